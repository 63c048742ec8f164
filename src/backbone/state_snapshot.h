#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backbone/env.h"
#include "core/event.h"
#include "core/result.h"

namespace herald::backbone {

// The state table (the latest event of each topic) as of one seq, saved in the data directory
// as `snapshot-<seq, 20 digits>.hsnap`, so that retention may remove log segments without
// losing a topic's current value (docs/log-format.md). The file is log records: a header record
// (topic "$snapshot", seq = the snapshot's seq, payload = the epoch), one record per row, and an
// end record (topic "$end", seq = the row count + 1), each with its own checksum.
struct StateSnapshot {
  uint64_t seq = 0;  // 0: no snapshot
  std::vector<std::shared_ptr<core::Event>> rows;
};

// Writes atomically (temp file, fsync, rename, directory fsync), then removes all but the
// newest two snapshots.
Status WriteStateSnapshot(Env& env, const std::string& dir, const std::string& epoch, uint64_t seq,
                          const std::vector<core::EventPtr>& rows);

// The newest snapshot of `epoch` that verifies (a corrupt one is reported and skipped for the
// one before it), or one with seq 0 when there is none.
core::Result<StateSnapshot> LoadStateSnapshot(Env& env, const std::string& dir,
                                              const std::string& epoch);

// Parses a snapshot file's bytes (the one named for `expected_seq`); "corruption" errors say
// what is wrong. Exposed for the fuzz target.
core::Result<StateSnapshot> ParseStateSnapshot(std::string_view bytes, const std::string& epoch,
                                               uint64_t expected_seq);

}  // namespace herald::backbone
