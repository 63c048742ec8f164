// Fuzzes IsJsonText, the JSON grammar check without number limits, against simdjson: where
// simdjson's verdict does not hinge on a number it cannot hold, both must agree.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proto/json/json_text.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  bool ours = herald::proto::json::IsJsonText(input);
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::error_code theirs = parser.parse(input.data(), input.size()).get(root);
  if (theirs == simdjson::SUCCESS) {
    Check(ours);
  } else if (theirs != simdjson::NUMBER_ERROR && theirs != simdjson::NUMBER_OUT_OF_RANGE) {
    Check(!ours);
  }
  return 0;
}
