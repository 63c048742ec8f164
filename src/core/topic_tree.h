#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace herald::core {

using SubscriberId = uint64_t;

// Maps topic filters to subscriber ids. Each event loop's shard owns one; not thread-safe.
// Filters must be valid (FilterError returned nullopt).
class TopicTree {
 public:
  TopicTree();
  ~TopicTree();
  TopicTree(const TopicTree&) = delete;
  TopicTree& operator=(const TopicTree&) = delete;

  // Adds `subscriber` under `filter`; false when it was already there.
  bool Subscribe(std::string_view filter, SubscriberId subscriber);
  // Removes `subscriber` from `filter`; false when it was not there.
  bool Unsubscribe(std::string_view filter, SubscriberId subscriber);

  // Appends each subscriber whose filter matches `topic`, once even if several match.
  void Match(std::string_view topic, std::vector<SubscriberId>& matches) const;

  size_t subscription_count() const { return subscription_count_; }

 private:
  struct Node;
  void MatchFrom(const Node& node, const std::string_view* levels, size_t count, size_t depth,
                 std::vector<SubscriberId>& matches) const;
  std::unique_ptr<Node> root_;
  size_t subscription_count_ = 0;
};

}  // namespace herald::core
