#pragma once

#include <cstddef>
#include <string_view>

namespace herald::proto::json {

// Nesting deeper than this is refused (simdjson's default depth, so both agree on it).
inline constexpr size_t kMaxJsonDepth = 1024;

// True when `text` is one JSON value (RFC 8259) in valid UTF-8, whitespace around it allowed.
// Numbers are checked against the grammar only, with no limit on their size or precision: a
// relay passes `123456789012345678901234567890` or `1e400` on as written, where a parser that
// converts numbers (simdjson) refuses them. Slower than simdjson; payload.cc asks it only about
// text simdjson refused for a number.
bool IsJsonText(std::string_view text);

}  // namespace herald::proto::json
