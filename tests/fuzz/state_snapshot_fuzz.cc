// Fuzzes the state snapshot parser: any bytes give a snapshot or a "corruption" error, never a
// crash; a parsed snapshot has the expected seq and a row for every row record.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "backbone/state_snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto parsed = herald::backbone::ParseStateSnapshot(bytes, "ep", 9);
  if (parsed.ok()) {
    if (parsed->seq != 9) __builtin_trap();
    for (const auto& row : parsed->rows) {
      if (!row || row->epoch != "ep" || row->seq == 0) __builtin_trap();
    }
  } else if (parsed.error().code != "corruption") {
    __builtin_trap();
  }
  return 0;
}
