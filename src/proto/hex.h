#pragma once

namespace herald::proto {

// The value of one hexadecimal digit, either case (percent-encoding, chunk sizes, JSON's \u
// escapes), or -1 for any other character.
constexpr int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace herald::proto
