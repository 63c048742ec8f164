#include "proto/http/url.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/hex.h"

namespace herald::proto::http {
namespace {

// RFC 9112 3.2: a request-target is visible ASCII, and a fragment ('#') is never sent in one.
bool IsTargetChar(char ch) {
  unsigned char c = static_cast<unsigned char>(ch);
  return c > 0x20 && c < 0x7f && c != '#';
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (text.size() - i < 3) return std::nullopt;
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

const std::string* Target::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::vector<std::string> Target::All(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : query) {
    if (key == name) values.push_back(value);
  }
  return values;
}

std::optional<Target> ParseTarget(std::string_view raw) {
  // RFC 9112 3.2.1: origin-form = absolute-path [ "?" query ]. Absolute-form, authority-form and
  // "*" are for proxies and OPTIONS, which Herald does not serve.
  if (raw.empty() || raw.front() != '/') return std::nullopt;
  for (char c : raw) {
    if (!IsTargetChar(c)) return std::nullopt;
  }
  size_t question = raw.find('?');
  std::optional<std::string> path = PercentDecode(raw.substr(0, question), false);
  if (!path) return std::nullopt;
  Target target;
  target.path = std::move(*path);
  if (question == std::string_view::npos) return target;

  std::string_view query = raw.substr(question + 1);
  while (true) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    // Empty items ("a=1&&b=2", a trailing '&') carry nothing and are skipped.
    if (!item.empty()) {
      size_t equals = item.find('=');
      std::optional<std::string> key = PercentDecode(item.substr(0, equals), true);
      std::optional<std::string> value = equals == std::string_view::npos
                                             ? std::string()
                                             : PercentDecode(item.substr(equals + 1), true);
      if (!key || !value) return std::nullopt;
      target.query.emplace_back(std::move(*key), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return target;
}

}  // namespace herald::proto::http
