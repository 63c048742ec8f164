#include "proto/json/payload.h"

#include <simdjson.h>

#include "core/topic.h"
#include "proto/json/json_text.h"
#include "proto/json/writer.h"

namespace herald::proto::json {
namespace {

// A parser reuses its buffers between documents; one per thread keeps parsing allocation-free
// without sharing mutable state between threads.
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

}  // namespace

bool IsJson(std::string_view text) {
  if (text.empty()) return false;
  simdjson::dom::element root;
  simdjson::error_code parsed = ThreadParser().parse(text.data(), text.size()).get(root);
  if (parsed == simdjson::SUCCESS) return true;
  // simdjson refuses numbers it cannot convert (over 64 bits, beyond a double); JSON has no such
  // limit, and a relay passes them on as written. Only such text pays for the second look.
  return (parsed == simdjson::NUMBER_ERROR || parsed == simdjson::NUMBER_OUT_OF_RANGE) &&
         IsJsonText(text);
}

void AppendPayloadField(std::string& out, std::string_view payload) {
  if (payload.empty()) {
    out.append(",\"data\":null");
    return;
  }
  if (IsJson(payload)) {
    out.append(",\"data\":");
    // Minified so that the object fits one SSE data line and WebSocket clients get compact JSON.
    // Only whitespace is removed: re-serializing the parsed value would rewrite numbers
    // ("1e2" as "100.0") and round those with more digits than a double holds.
    size_t at = out.size();
    out.resize(at + payload.size() + simdjson::SIMDJSON_PADDING);  // minify writes whole blocks
    size_t length = 0;
    if (simdjson::minify(payload.data(), payload.size(), out.data() + at, length) !=
        simdjson::SUCCESS) {
      out.resize(at);
      out.append("null");  // cannot happen (IsJson validated it), but keeps the object JSON
      return;
    }
    out.resize(at + length);
    return;
  }
  if (core::IsValidUtf8(payload)) {
    out.append(",\"data\":");
    AppendString(out, payload);
    return;
  }
  out.append(",\"data_b64\":\"");
  AppendBase64(out, payload);
  out.push_back('"');
}

}  // namespace herald::proto::json
