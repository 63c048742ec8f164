#include "core/topic.h"

#include <cstdint>

namespace herald::core {
namespace {

bool IsForbiddenByte(unsigned char c) {
  // Wildcards of MQTT and NATS, ASCII whitespace and control characters (C0 and DEL).
  return c == '+' || c == '#' || c == '*' || c == '>' || c == ' ' || c < 0x20 || c == 0x7f;
}

// Unicode whitespace and C1 controls beyond ASCII, checked on decoded code points.
bool IsForbiddenCodePoint(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
         cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when malformed.
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  size_t len;
  uint32_t min;
  if ((c & 0xe0) == 0xc0) {
    len = 2, cp = c & 0x1f, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3, cp = c & 0x0f, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

std::optional<std::string> LevelError(std::string_view level, size_t index) {
  std::string where = "level " + std::to_string(index + 1);
  if (level.empty()) return where + " is empty";
  for (size_t i = 0; i < level.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(level, i, cp);
    if (n == 0) return where + " is not valid UTF-8";
    if (n == 1 && IsForbiddenByte(static_cast<unsigned char>(level[i]))) {
      char c = level[i];
      if (c == '+' || c == '#' || c == '*' || c == '>') {
        return where + " contains '" + std::string(1, c) + "'";
      }
      return where + " contains whitespace or a control character";
    }
    if (IsForbiddenCodePoint(cp)) return where + " contains whitespace or a control character";
    i += n;
  }
  return std::nullopt;
}

// Checks size and level count; fills `levels` (the split path) when those are fine.
std::optional<std::string> PathShapeError(std::string_view path, const char* what,
                                          std::vector<std::string_view>& levels) {
  if (path.empty()) return std::string(what) + " is empty";
  if (path.size() > kMaxTopicBytes) {
    return std::string(what) + " is " + std::to_string(path.size()) + " bytes, over the limit of " +
           std::to_string(kMaxTopicBytes);
  }
  levels = SplitLevels(path);
  if (levels.size() > kMaxTopicLevels) {
    return std::string(what) + " has " + std::to_string(levels.size()) +
           " levels, over the limit of " + std::to_string(kMaxTopicLevels);
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string_view> SplitLevels(std::string_view path) {
  std::vector<std::string_view> levels;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      levels.push_back(path.substr(start));
      return levels;
    }
    levels.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

size_t SplitLevels(std::string_view path, std::string_view (&levels)[kMaxTopicLevels]) {
  size_t count = 0;
  for (size_t start = 0;;) {
    if (count == kMaxTopicLevels) return 0;
    size_t slash = path.find('/', start);
    levels[count++] = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (slash == std::string_view::npos) return count;
    start = slash + 1;
  }
}

std::optional<std::string> TopicError(std::string_view topic) {
  std::vector<std::string_view> levels;
  if (auto e = PathShapeError(topic, "topic", levels)) return e;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (auto e = LevelError(levels[i], i)) return "topic " + *e;
  }
  return std::nullopt;
}

std::optional<std::string> FilterError(std::string_view filter) {
  std::vector<std::string_view> levels;
  if (auto e = PathShapeError(filter, "filter", levels)) return e;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (levels[i] == "+") continue;
    if (levels[i] == "#") {
      if (i + 1 != levels.size()) return std::string("filter: '#' must be the last level");
      continue;
    }
    if (auto e = LevelError(levels[i], i)) return "filter " + *e;
  }
  return std::nullopt;
}

bool IsReservedTopic(std::string_view topic) { return !topic.empty() && topic[0] == '$'; }

bool FilterMatches(std::string_view filter, std::string_view topic) {
  if (IsReservedTopic(topic) && !filter.empty() && (filter[0] == '+' || filter[0] == '#')) {
    return false;
  }
  size_t f = 0, t = 0;
  while (true) {
    size_t f_end = filter.find('/', f);
    if (f_end == std::string_view::npos) f_end = filter.size();
    std::string_view f_level = filter.substr(f, f_end - f);
    if (f_level == "#") return true;
    if (t > topic.size()) return false;  // topic ran out of levels
    size_t t_end = topic.find('/', t);
    if (t_end == std::string_view::npos) t_end = topic.size();
    std::string_view t_level = topic.substr(t, t_end - t);
    if (f_level != "+" && f_level != t_level) return false;
    bool filter_done = f_end == filter.size();
    bool topic_done = t_end == topic.size();
    if (filter_done || topic_done) {
      if (filter_done && topic_done) return true;
      // "a/#" matches "a": the remaining filter is exactly "/#".
      return topic_done && filter.substr(f_end) == "/#";
    }
    f = f_end + 1;
    t = t_end + 1;
  }
}

bool MatchesAny(const std::vector<std::string>& filters, std::string_view topic) {
  for (const std::string& filter : filters) {
    if (FilterMatches(filter, topic)) return true;
  }
  return false;
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(s, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace herald::core
