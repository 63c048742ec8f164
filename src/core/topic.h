#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::core {

inline constexpr size_t kMaxTopicLevels = 32;  // contract: deeper paths are refused
inline constexpr size_t kMaxTopicBytes = 256;  // contract: longer paths are refused

// Why `topic` is not a valid topic ("level 2 contains '+'"), or nullopt when it is.
// A topic is UTF-8, 1-256 bytes, 1-32 non-empty levels separated by '/'; a level holds no
// '+', '#', '*', '>', whitespace or control characters.
std::optional<std::string> TopicError(std::string_view topic);

// Why `filter` is not a valid filter, or nullopt. A filter is a topic whose levels may also be
// '+' (exactly one level) or, as the last level only, '#' (that level and every one below).
std::optional<std::string> FilterError(std::string_view filter);

// True when the valid filter matches the valid topic. Topics starting with '$' are reserved:
// a filter whose first level is a wildcard never matches them.
bool FilterMatches(std::string_view filter, std::string_view topic);

// True when `topic` matches any of `filters`.
bool MatchesAny(const std::vector<std::string>& filters, std::string_view topic);

// True for topics reserved to the system: those starting with '$'.
bool IsReservedTopic(std::string_view topic);

// Splits on '/' into views of `path`.
std::vector<std::string_view> SplitLevels(std::string_view path);
// The same into `levels` (room for kMaxTopicLevels), without allocating: the level count, or 0
// when `path` has more levels than any valid topic.
size_t SplitLevels(std::string_view path, std::string_view (&levels)[kMaxTopicLevels]);

// Whether `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace herald::core
