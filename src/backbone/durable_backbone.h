#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "backbone/backbone.h"
#include "backbone/durable_log.h"
#include "backbone/env.h"
#include "backbone/posix_env.h"
#include "backbone/state_snapshot.h"

namespace herald::backbone {

struct DurableBackboneOptions {
  std::string data_dir;   // required: the log directory (--data-dir)
  DurableLogOptions log;  // segment size, retention, replay_from_seq
  // One group commit takes at most this much of the queue, so one fsync's latency stays bounded
  // and the first publishers in line are not held back by the last.
  size_t max_batch_events = 8192;
  size_t max_batch_bytes = 16u << 20;
  // Publishes waiting for the committer; past it Publish refuses with "overloaded" at once
  // instead of letting latency and memory grow without bound.
  size_t max_queued = 100'000;
  // While storage is failing and no publish arrives, probe it this often so that health comes
  // back by itself when space returns.
  std::chrono::milliseconds retry_interval{1000};
  // How often age retention runs when the log is idle (a new segment also runs it).
  std::chrono::milliseconds retention_interval{60'000};
  // With a state snapshot, Start replays only what the node needs: the events after the
  // snapshot (for the state) and the newest `replay_history_events` (for history).
  uint64_t replay_history_events = 0;
};

// The embedded backbone with persistence: publishes are appended to a DurableLog in the data
// directory by one committer thread, one fsync per batch (group commit), and an event reaches
// the sink and its publisher's `done` only after that fsync succeeded. If it fails, every
// publish of the batch gets "storage_unavailable", nothing is delivered, the seqs are reused,
// and healthy() is false until a write succeeds again. Thread-safe. docs/log-format.md.
class DurableBackbone final : public Backbone {
 public:
  // Opens and verifies the log (refusing corruption before the node starts). `env` must outlive
  // the backbone.
  static core::Result<std::unique_ptr<DurableBackbone>> Open(DurableBackboneOptions options,
                                                             Env& env = DefaultEnv());
  ~DurableBackbone() override;  // Stop()
  DurableBackbone(const DurableBackbone&) = delete;
  DurableBackbone& operator=(const DurableBackbone&) = delete;

  // Replays the log (from options.log.replay_from_seq) to `sink` on the calling thread, then
  // starts the committer thread, which makes every later sink call.
  void Start(EventSink sink) override;
  // Queues the publish and returns; `done` runs on the committer thread (or at once, on this
  // thread, with "overloaded", "invalid_argument" or "unavailable" after Stop).
  void Publish(PublishRequest request, PublishDone done) override;
  std::string epoch() const override { return epoch_; }
  std::string UnavailableReason() const override { return healthy() ? std::string() : status(); }
  RestoredState TakeRestoredState() override;

  // Saves the state table as of `seq` (any thread but the committer's); once it is durable,
  // retention may remove the segments it covers.
  Status WriteSnapshot(uint64_t seq, const std::vector<core::EventPtr>& rows);
  // The seq of the newest durable snapshot (0: none).
  uint64_t snapshot_seq() const { return snapshot_seq_.load(std::memory_order_acquire); }

  // Commits everything queued, then stops the committer. Later publishes get "unavailable".
  // Idempotent; the destructor calls it. Not from a sink or `done` (it joins their thread).
  void Stop();
  // See DurableLog::set_retention_floor: retention keeps every segment from this seq on.
  void SetRetentionFloor(std::function<uint64_t()> floor) {
    log_->set_retention_floor(std::move(floor));
  }

  // False while the last write to the log failed (until a publish or a probe succeeds).
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
  // For /readyz: "ok", or "storage unavailable: <why>".
  std::string status() const;

  const RecoveryInfo& recovery() const { return recovery_; }
  // Successful group commits (fsyncs of a batch) and the events they carried.
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  uint64_t committed_events() const { return committed_events_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    PublishRequest request;
    PublishDone done;
    core::UnixMillis publish_time = 0;
  };

  DurableBackbone(DurableBackboneOptions options, std::unique_ptr<DurableLog> log, Env& env,
                  StateSnapshot snapshot);
  void Run();
  void Commit(std::deque<Pending>& batch);
  void Maintain(bool idle);
  void SetHealthy();
  void SetUnhealthy(const std::string& reason);
  std::shared_ptr<core::Event> MakeEvent(EventRecord&& record) const;

  const DurableBackboneOptions options_;
  const std::string epoch_;
  const RecoveryInfo recovery_;
  std::unique_ptr<DurableLog> log_;  // used by Start, then by the committer thread only
  Env& env_;
  StateSnapshot restored_;     // until TakeRestoredState
  std::mutex snapshot_mutex_;  // one snapshot written at a time
  std::atomic<uint64_t> snapshot_seq_{0};
  EventSink sink_;
  std::thread committer_;
  std::chrono::steady_clock::time_point last_retention_;  // committer thread only

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;  // HERALD_GUARDED_BY(mutex_)
  bool stopping_ = false;      // HERALD_GUARDED_BY(mutex_)

  mutable std::mutex status_mutex_;
  std::atomic<bool> healthy_{true};  // written under status_mutex_, read without it
  std::string unhealthy_reason_;     // HERALD_GUARDED_BY(status_mutex_)
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> committed_events_{0};
};

}  // namespace herald::backbone
