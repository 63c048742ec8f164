// Fuzz target for PercentDecode and ParseTarget. Beyond not crashing: whatever decodes survives
// a re-encode and decode unchanged, and a parsed target rebuilt from its parts parses the same.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "proto/http/url.h"

namespace {

using herald::proto::http::ParseTarget;
using herald::proto::http::PercentDecode;
using herald::proto::http::Target;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "url_fuzz invariant broken: %s\n", what);
  std::abort();
}

// Escapes every byte but RFC 3986 unreserved ones and those listed in `keep`.
std::string PercentEncode(std::string_view text, std::string_view keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || keep.find(ch) != std::string_view::npos) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

void CheckDecode(std::string_view text, bool plus_as_space) {
  std::optional<std::string> decoded = PercentDecode(text, plus_as_space);
  bool has_escape = text.find('%') != std::string_view::npos;
  Check(decoded || has_escape, "only an escape can be malformed");
  if (!decoded) return;
  Check(decoded->size() <= text.size(), "decoding never grows the text");
  if (!has_escape && !plus_as_space) Check(*decoded == text, "text without escapes is unchanged");
  Check(PercentDecode(PercentEncode(*decoded, ""), plus_as_space) == decoded,
        "decode(encode(x)) == x");
}

void CheckTarget(std::string_view raw) {
  std::optional<Target> target = ParseTarget(raw);
  if (!target) return;
  Check(!raw.empty() && raw.front() == '/', "origin-form starts with '/'");
  Check(!target->path.empty() && target->path.front() == '/', "decoded path starts with '/'");
  std::string rebuilt = PercentEncode(target->path, "/");
  for (size_t i = 0; i < target->query.size(); ++i) {
    const auto& [key, value] = target->query[i];
    rebuilt += (i == 0 ? "?" : "&") + PercentEncode(key, "") + "=" + PercentEncode(value, "");
    Check(target->Query(key) != nullptr && !target->All(key).empty(), "every key is found");
  }
  std::optional<Target> again = ParseTarget(rebuilt);
  Check(again.has_value(), "a rebuilt target parses");
  Check(again->path == target->path && again->query == target->query,
        "a rebuilt target parses to the same parts");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckDecode(text, false);
  CheckDecode(text, true);
  CheckTarget(text);
  return 0;
}
