#include "core/policy.h"

#include "core/topic.h"

namespace herald::core {

const TopicPolicy* PolicySet::For(std::string_view topic) const {
  for (const TopicPolicy& policy : policies_) {
    if (FilterMatches(policy.filter, topic)) return &policy;
  }
  return nullptr;
}

}  // namespace herald::core
