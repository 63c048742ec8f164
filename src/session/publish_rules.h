#pragma once

#include <cstddef>
#include <string_view>

#include "node/node.h"
#include "session/session_config.h"

namespace herald::session {

// What a publish to one topic may carry and how it is kept, from the node's limits and the
// topic's policy: the same rules for every protocol.
struct PublishRules {
  size_t max_payload_bytes;
  bool retain_by_default;  // false under a policy with transient = true
};

inline PublishRules RulesFor(node::Node& node, const SessionConfig& config,
                             std::string_view topic) {
  PublishRules rules{config.max_message_bytes, true};
  auto policies = node.policies();
  if (const core::TopicPolicy* policy = policies->For(topic)) {
    if (policy->max_payload_bytes && *policy->max_payload_bytes < rules.max_payload_bytes) {
      rules.max_payload_bytes = *policy->max_payload_bytes;
    }
    rules.retain_by_default = !policy->transient.value_or(false);
  }
  return rules;
}

}  // namespace herald::session
