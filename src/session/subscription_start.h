#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/event_id.h"
#include "node/node.h"

namespace herald::session {

// What a new subscription gets before live events, by the contract's rules (docs/protocol.md):
// without `since`, the current state; with it, exactly the missed events; or, when those are
// not all known, a reset notice and the current state.
struct StartPlan {
  enum class Reset : unsigned char { kNone, kEpochChanged, kHistoryGap, kAheadOfLog };
  Reset reset = Reset::kNone;
  std::vector<core::EventPtr> events;  // increasing seq
  uint64_t watermark = 0;              // live events up to this seq are already covered by `events`
};

// Reads state or history (any thread). At most `max_events` are returned; when more events
// were missed than that, it is a reset.
StartPlan PlanStart(node::Node& node, const std::vector<std::string>& filters,
                    const std::optional<core::EventId>& since, size_t max_events);

// "history_gap", "epoch_changed", "ahead_of_log".
const char* ResetReason(StartPlan::Reset reset);

}  // namespace herald::session
