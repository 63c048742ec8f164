// Fuzzes topic and filter validation, matching (FilterMatches against TopicTree) and event ids.
// Input: "<filter>\n<topic>"; without a newline the whole input is both.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_id.h"
#include "core/topic.h"
#include "core/topic_tree.h"

namespace {

using herald::core::SubscriberId;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// SplitLevels gives back the input when joined, one level per '/' plus one.
void CheckSplit(std::string_view path) {
  auto levels = herald::core::SplitLevels(path);
  Check(levels.size() == static_cast<size_t>(std::count(path.begin(), path.end(), '/')) + 1);
  std::string joined;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (i > 0) joined.push_back('/');
    joined.append(levels[i]);
  }
  Check(joined == path);
}

void CheckValidity(std::string_view path) {
  auto topic_error = herald::core::TopicError(path);
  auto filter_error = herald::core::FilterError(path);
  if (!topic_error) {
    // Every valid topic is a valid filter, within the limits, in UTF-8, and matches itself.
    Check(!filter_error);
    Check(!path.empty() && path.size() <= herald::core::kMaxTopicBytes);
    auto levels = herald::core::SplitLevels(path);
    Check(levels.size() <= herald::core::kMaxTopicLevels);
    for (std::string_view level : levels) Check(!level.empty());
    Check(path.find_first_of("+#*> \t\r\n") == std::string_view::npos);
    Check(herald::core::IsValidUtf8(path));
    Check(herald::core::FilterMatches(path, path));
  }
  if (!filter_error) {
    Check(!path.empty() && path.size() <= herald::core::kMaxTopicBytes);
    auto levels = herald::core::SplitLevels(path);
    for (size_t i = 0; i < levels.size(); ++i) {
      Check(!levels[i].empty());
      if (levels[i].find('#') != std::string_view::npos) {
        Check(levels[i] == "#" && i + 1 == levels.size());
      }
    }
  }
}

void CheckMatching(std::string_view filter, std::string_view topic) {
  bool matches = herald::core::FilterMatches(filter, topic);
  Check(matches == herald::core::MatchesAny({std::string(filter)}, topic));
  bool wildcard_first = filter[0] == '+' || filter[0] == '#';
  if (herald::core::IsReservedTopic(topic) && wildcard_first) Check(!matches);

  herald::core::TopicTree tree;
  Check(tree.Subscribe(filter, 1));
  Check(!tree.Subscribe(filter, 1));
  Check(tree.Subscribe("#", 2));
  Check(tree.Subscribe(topic, 3));
  tree.Subscribe(filter, 3);  // already there when filter == topic
  std::vector<SubscriberId> found;
  tree.Match(topic, found);
  std::vector<SubscriberId> expected;
  if (matches) expected.push_back(1);
  if (!herald::core::IsReservedTopic(topic)) expected.push_back(2);
  expected.push_back(3);
  Check(found == expected);

  Check(tree.Unsubscribe(filter, 1));
  Check(!tree.Unsubscribe(filter, 1));
  Check(tree.Unsubscribe("#", 2));
  Check(tree.Unsubscribe(topic, 3));
  if (filter != topic) Check(tree.Unsubscribe(filter, 3));
  Check(tree.subscription_count() == 0);
  found.clear();
  tree.Match(topic, found);
  Check(found.empty());
}

void CheckEventId(std::string_view text) {
  auto id = herald::core::ParseEventId(text);
  if (!id) return;
  Check(herald::core::IsValidEpoch(id->epoch));
  std::string formatted = id->ToString();
  auto again = herald::core::ParseEventId(formatted);
  Check(again.has_value() && *again == *id);
  Check(again->ToString() == formatted);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view filter = input.substr(0, newline);
  std::string_view topic = newline == std::string_view::npos ? input : input.substr(newline + 1);

  CheckSplit(input);
  CheckSplit(filter);
  CheckSplit(topic);
  CheckValidity(filter);
  CheckValidity(topic);
  if (!herald::core::FilterError(filter) && !herald::core::TopicError(topic)) {
    CheckMatching(filter, topic);
  }
  CheckEventId(input);
  CheckEventId(filter);
  CheckEventId(topic);
  herald::core::IsValidUtf8(input);
  return 0;
}
