#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event.h"

namespace herald::core {

// The latest event of each topic (MQTT's retained message). Written by the node's delivery path,
// read by every loop: thread-safe, read-mostly. A deletion removes the row: nothing is kept of a
// deleted topic, so topics that come and go (one per match, one per session) cost nothing once
// gone. A filter's fingerprint still changes on a deletion, since it hashes the rows it matches.
class StateTable {
 public:
  // Applies one event in seq order: stores it, or deletes the row when its payload is empty.
  // Transient events (retain == false) leave the table as it is.
  void Apply(const EventPtr& event);

  struct Snapshot {
    std::vector<EventPtr> rows;  // matched live rows in increasing seq order
    uint64_t last_seq = 0;       // every event up to here is reflected in `rows`
    // A hash of the matched rows' (topic, seq): changes whenever one is added, replaced or
    // deleted; 0 when nothing matches.
    uint64_t fingerprint = 0;
  };
  // Rows matching any of `filters`, read under one lock so `last_seq` is exact for all of them.
  Snapshot Query(const std::vector<std::string>& filters) const;

  // Every live row, reserved topics included, in seq order, with the seq they reflect: what a
  // state snapshot saves.
  Snapshot All() const;
  // Records that events up to `seq` are reflected (they were, in a restored snapshot).
  void AdvanceTo(uint64_t seq);

  // The lowest seq among the live rows (UINT64_MAX when there are none): every current value
  // is at or after it in the log.
  uint64_t OldestLiveSeq() const;

  // The seq of the last event applied (0 before any).
  uint64_t last_seq() const;
  size_t size() const;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, EventPtr> rows_;  // HERALD_GUARDED_BY(mutex_); never null
  uint64_t last_seq_ = 0;                           // HERALD_GUARDED_BY(mutex_)
};

}  // namespace herald::core
