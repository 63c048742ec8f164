#include "session/subscription_start.h"

namespace herald::session {
namespace {

StartPlan StatePlan(node::Node& node, const std::vector<std::string>& filters, size_t max_events,
                    StartPlan::Reset reset) {
  StartPlan plan;
  plan.reset = reset;
  core::StateTable::Snapshot snapshot = node.state().Query(filters);
  plan.watermark = snapshot.last_seq;
  plan.events = std::move(snapshot.rows);
  if (plan.events.size() > max_events) {
    // Keep the newest rows: the last id sent stays a valid resume point.
    plan.events.erase(plan.events.begin(),
                      plan.events.end() - static_cast<std::ptrdiff_t>(max_events));
  }
  return plan;
}

}  // namespace

StartPlan PlanStart(node::Node& node, const std::vector<std::string>& filters,
                    const std::optional<core::EventId>& since, size_t max_events) {
  if (!since) return StatePlan(node, filters, max_events, StartPlan::Reset::kNone);
  if (since->epoch != node.epoch()) {
    return StatePlan(node, filters, max_events, StartPlan::Reset::kEpochChanged);
  }
  core::History::Page page = node.history().After(filters, since->seq, max_events);
  if (since->seq > page.last_seq) {
    return StatePlan(node, filters, max_events, StartPlan::Reset::kAheadOfLog);
  }
  if (!page.complete || page.more) {
    return StatePlan(node, filters, max_events, StartPlan::Reset::kHistoryGap);
  }
  StartPlan plan;
  plan.events = std::move(page.items);
  plan.watermark = page.last_seq;
  return plan;
}

const char* ResetReason(StartPlan::Reset reset) {
  switch (reset) {
    case StartPlan::Reset::kEpochChanged:
      return "epoch_changed";
    case StartPlan::Reset::kHistoryGap:
      return "history_gap";
    case StartPlan::Reset::kAheadOfLog:
      return "ahead_of_log";
    case StartPlan::Reset::kNone:
      break;
  }
  return "none";
}

}  // namespace herald::session
