#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backbone/env.h"
#include "backbone/log_format.h"
#include "core/event.h"
#include "core/result.h"

namespace herald::backbone {

using log_format::EventRecord;

struct DurableLogOptions {
  // A segment is closed and the next one started once it reaches this size (one batch may take
  // it past). Few files for a big log, and retention frees space in useful steps.
  uint64_t segment_bytes = 64ull << 20;
  // Retention: whole segments, oldest first and never the active one, are removed while the log
  // is larger than this. 0 = no limit. Until state snapshots exist, a removed segment takes with
  // it the state rows of topics that were not published since (docs/log-format.md).
  uint64_t max_total_bytes = 1ull << 30;
  // ...or while a segment's newest event was published longer ago than this. 0 = no limit.
  std::chrono::milliseconds max_age = std::chrono::hours(24 * 7);
  // ...or while the log holds more events than this (whole segments). 0 = no limit.
  uint64_t max_events = 0;
  // Open's replay callback gets the events from this seq on; a snapshot would cover the rest.
  // Every segment is still read and verified.
  uint64_t replay_from_seq = 1;
};

// What Open found and did, for the start-up log line and for tests.
struct RecoveryInfo {
  struct TailRepair {
    std::string file;     // path of the last segment
    uint64_t offset = 0;  // where the first bad record started; the file now ends here
    uint64_t dropped_bytes = 0;
    std::string reason;
  };
  bool created = false;    // the directory held no log: a new one, with a new epoch
  uint64_t first_seq = 1;  // oldest event kept; equal to next_seq when the log is empty
  uint64_t next_seq = 1;
  uint64_t replayed = 0;  // events handed to Open's replay callback
  size_t segments = 0;
  std::optional<TailRepair> repaired_tail;
};

// An append-only log of events in a directory of segment files (docs/log-format.md): FORMAT,
// EPOCH and log-<first seq>.hlog. Every Append is durable (one fdatasync per batch) before it
// returns ok. Not thread-safe: one owner (DurableBackbone's committer thread) after Open.
class DurableLog {
 public:
  // Called once per event, in seq order. The record may be moved from.
  using ReplayFn = std::function<void(EventRecord&& event)>;

  // Opens or creates the log in `dir` and recovers it: verifies every segment, truncates a torn
  // or corrupt tail of the last one, and refuses corruption anywhere else. `replay` (may be
  // empty) gets the events from options.replay_from_seq on; when Open fails it may already have
  // seen some events, which the caller must discard. `env` must outlive the log.
  static core::Result<std::unique_ptr<DurableLog>> Open(Env& env, const std::string& dir,
                                                        const DurableLogOptions& options,
                                                        const ReplayFn& replay);
  ~DurableLog();  // closes the active segment; nothing is left unsynced
  DurableLog(const DurableLog&) = delete;
  DurableLog& operator=(const DurableLog&) = delete;

  // Writes the batch, then syncs once (group commit). The events' seqs must run from next_seq()
  // up by one. On failure nothing of the batch counts: next_seq() is unchanged, the partial
  // write is truncated away (now, or before the next Append if that fails too), and the error
  // names the file and the cause (code "no_space", "io_error" or "invalid_argument").
  Status Append(const std::vector<EventRecord>& batch);

  // Reads the verified log again and hands `replay` every event from `from_seq` on.
  Status Replay(uint64_t from_seq, const ReplayFn& replay);

  // Checks that the directory takes writes again (after a failed Append): finishes any pending
  // truncation, then writes, syncs and removes a small probe file.
  Status CheckWritable();

  // Removes whole segments, oldest first and never the active one, while over
  // options.max_total_bytes or older than options.max_age at `now`. Append calls it after
  // starting a new segment; call it now and then when idle too.
  // A segment holding any seq at or above the floor is kept whatever its size or age.
  Status EnforceRetention(core::UnixMillis now);

  // The lowest seq retention must keep (any thread): the node passes the oldest event still in
  // its state table, so removing a segment never removes a topic's current value at the next
  // restart (until state snapshots replace this). Unset: no floor.
  void set_retention_floor(std::function<uint64_t()> floor);

  const std::string& dir() const { return dir_; }
  const std::string& epoch() const { return epoch_; }
  uint64_t next_seq() const { return next_seq_; }
  uint64_t first_seq() const;
  uint64_t total_bytes() const { return total_bytes_; }
  size_t segment_count() const { return segments_.size(); }
  const RecoveryInfo& recovery() const { return recovery_; }

 private:
  uint64_t RetentionFloor() const;
  mutable std::mutex floor_mutex_;
  std::function<uint64_t()> retention_floor_;  // HERALD_GUARDED_BY(floor_mutex_)

  struct Segment {
    uint64_t first_seq = 0;
    std::string path;
    uint64_t bytes = 0;                // verified or synced bytes; the file ends here
    core::UnixMillis newest_time = 0;  // latest publish_time in it, for age retention
  };

  DurableLog(Env& env, std::string dir, DurableLogOptions options);
  Status CreateNew();
  Status Recover(const std::vector<uint64_t>& first_seqs, const ReplayFn& replay);
  Status OpenWriter(bool sync);
  Status RollSegment();
  Status RepairActive();

  Env& env_;
  const std::string dir_;
  const DurableLogOptions options_;
  std::string epoch_;
  std::vector<Segment> segments_;         // in seq order; the last is the active one
  std::unique_ptr<WritableFile> writer_;  // on segments_.back()
  uint64_t next_seq_ = 1;
  uint64_t total_bytes_ = 0;
  bool needs_repair_ = false;  // the active segment may hold bytes of a failed batch
  std::string buffer_;         // the batch being written, reused between Appends
  RecoveryInfo recovery_;
};

}  // namespace herald::backbone
