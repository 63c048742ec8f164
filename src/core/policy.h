#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::core {

// What to do with a subscriber whose send queue passes its limit.
enum class SlowConsumerPolicy : uint8_t {
  kClose,     // close it; the client resumes from its last id
  kConflate,  // keep only the newest event per topic until it catches up, then send a gap notice
};

// Settings for the topics under one filter. Unset fields fall back to the node's defaults.
struct TopicPolicy {
  std::string filter;
  std::optional<size_t> history_depth;        // events kept per topic
  std::optional<int64_t> history_max_age_ms;  // how long they are kept
  std::optional<SlowConsumerPolicy> slow_consumer;
  std::optional<size_t> max_payload_bytes;
  std::optional<bool> transient;  // publishes without an explicit retain flag
};

// The policies of a node, in configuration order: the first whose filter matches a topic
// applies (put specific filters first). Immutable once built; shared by every thread.
class PolicySet {
 public:
  PolicySet() = default;
  explicit PolicySet(std::vector<TopicPolicy> policies) : policies_(std::move(policies)) {}

  // The policy for `topic`, or nullptr when none matches.
  const TopicPolicy* For(std::string_view topic) const;
  bool empty() const { return policies_.empty(); }
  const std::vector<TopicPolicy>& policies() const { return policies_; }

 private:
  std::vector<TopicPolicy> policies_;
};

}  // namespace herald::core
