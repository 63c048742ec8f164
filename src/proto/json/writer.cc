#include "proto/json/writer.h"

#include <array>
#include <cstdint>

namespace herald::proto::json {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr uint8_t kNotBase64 = 0xff;

constexpr std::array<uint8_t, 256> MakeBase64Values() {
  std::array<uint8_t, 256> values{};
  for (auto& v : values) v = kNotBase64;
  for (uint8_t i = 0; i < 64; ++i) values[static_cast<unsigned char>(kBase64Alphabet[i])] = i;
  return values;
}
constexpr std::array<uint8_t, 256> kBase64Values = MakeBase64Values();

// RFC 8259 7: '"', '\' and U+0000..U+001F must be escaped; everything else may pass through.
bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

}  // namespace

void AppendString(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (!NeedsEscape(c)) continue;
    // Copy the unescaped run in one go; most strings have no escapes at all.
    out.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHexDigits[c >> 4];
        out += kHexDigits[c & 0xf];
        break;
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
  out += '"';
}

void AppendBase64(std::string& out, std::string_view bytes) {
  out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
  auto at = [&](size_t i) -> uint32_t { return static_cast<unsigned char>(bytes[i]); };
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t group = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += kBase64Alphabet[group >> 18];
    out += kBase64Alphabet[(group >> 12) & 0x3f];
    out += kBase64Alphabet[(group >> 6) & 0x3f];
    out += kBase64Alphabet[group & 0x3f];
  }
  // RFC 4648 4: a final group of 1 or 2 bytes is padded with '=' to 4 characters.
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t group = at(i) << 16;
    out += kBase64Alphabet[group >> 18];
    out += kBase64Alphabet[(group >> 12) & 0x3f];
    out += "==";
  } else if (rest == 2) {
    uint32_t group = at(i) << 16 | at(i + 1) << 8;
    out += kBase64Alphabet[group >> 18];
    out += kBase64Alphabet[(group >> 12) & 0x3f];
    out += kBase64Alphabet[(group >> 6) & 0x3f];
    out += '=';
  }
}

// Replaces `out` with the decoded bytes; on false `out` is empty. Refuses characters outside the
// RFC 4648 4 alphabet (including whitespace and the URL-safe alphabet), '=' anywhere but as the
// final padding of a 4-character group, a lone final character, and non-zero pad bits (RFC 4648
// 3.5 lets decoders refuse them), so each byte string has exactly one accepted encoding with
// padding and one without.
bool DecodeBase64(std::string_view text, std::string& out) {
  out.clear();
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
    if (text.size() % 4 != 0) return false;
    text.remove_suffix(padding);
  }
  size_t rest = text.size() % 4;
  if (rest == 1) return false;
  if (padding != 0 && padding != 4 - rest) return false;  // e.g. "Zg=" with rest 2 is "Zg=="

  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t group = 0;
  size_t in_group = 0;
  for (char ch : text) {
    uint8_t value = kBase64Values[static_cast<unsigned char>(ch)];
    if (value == kNotBase64) {
      out.clear();
      return false;
    }
    group = group << 6 | value;
    if (++in_group == 4) {
      out += static_cast<char>(group >> 16);
      out += static_cast<char>((group >> 8) & 0xff);
      out += static_cast<char>(group & 0xff);
      group = 0;
      in_group = 0;
    }
  }
  if (in_group == 2) {
    if ((group & 0xf) != 0) {
      out.clear();
      return false;
    }
    out += static_cast<char>(group >> 4);
  } else if (in_group == 3) {
    if ((group & 0x3) != 0) {
      out.clear();
      return false;
    }
    out += static_cast<char>(group >> 10);
    out += static_cast<char>((group >> 2) & 0xff);
  }
  return true;
}

void AppendStringArray(std::string& out, const std::vector<std::string>& texts) {
  out.push_back('[');
  for (size_t i = 0; i < texts.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendString(out, texts[i]);
  }
  out.push_back(']');
}

}  // namespace herald::proto::json
