#include "backbone/durable_backbone.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "core/clock.h"

namespace herald::backbone {

core::Result<std::unique_ptr<DurableBackbone>> DurableBackbone::Open(DurableBackboneOptions options,
                                                                     Env& env) {
  if (options.data_dir.empty()) {
    return core::Error{"invalid_argument", "durable backbone: no data directory given"};
  }
  // Verify only: the events are replayed to the sink in Start, once there is one.
  auto log = DurableLog::Open(env, options.data_dir, options.log, nullptr);
  if (!log) return log.error();
  const RecoveryInfo& recovery = log.value()->recovery();
  spdlog::info("durable log {}: epoch {}{}, seq {}..{} in {} segments ({} bytes)", options.data_dir,
               log.value()->epoch(), recovery.created ? " (new)" : "", recovery.first_seq,
               recovery.next_seq - 1, recovery.segments, log.value()->total_bytes());
  auto snapshot = LoadStateSnapshot(env, options.data_dir, log.value()->epoch());
  if (!snapshot) return snapshot.error();
  if (snapshot->seq >= log.value()->next_seq()) {
    // A snapshot ahead of the log cannot be (the log is written first): do not trust it.
    spdlog::warn("durable log {}: state snapshot at seq {} is ahead of the log; ignoring it",
                 options.data_dir, snapshot->seq);
    snapshot.value() = StateSnapshot{};
  } else if (snapshot->seq > 0) {
    spdlog::info("durable log {}: state snapshot at seq {} with {} rows", options.data_dir,
                 snapshot->seq, snapshot->rows.size());
  }
  return std::unique_ptr<DurableBackbone>(new DurableBackbone(
      std::move(options), std::move(log.value()), env, std::move(snapshot.value())));
}

DurableBackbone::DurableBackbone(DurableBackboneOptions options, std::unique_ptr<DurableLog> log,
                                 Env& env, StateSnapshot snapshot)
    : options_(std::move(options)),
      epoch_(log->epoch()),
      recovery_(log->recovery()),
      log_(std::move(log)),
      env_(env),
      restored_(std::move(snapshot)),
      snapshot_seq_(restored_.seq),
      last_retention_(std::chrono::steady_clock::now()) {}

RestoredState DurableBackbone::TakeRestoredState() {
  RestoredState state{restored_.seq, std::move(restored_.rows)};
  restored_ = StateSnapshot{};
  return state;
}

Status DurableBackbone::WriteSnapshot(uint64_t seq, const std::vector<core::EventPtr>& rows) {
  std::lock_guard lock(snapshot_mutex_);
  if (seq <= snapshot_seq()) return Status::Ok();
  Status status = WriteStateSnapshot(env_, options_.data_dir, epoch_, seq, rows);
  if (status.ok()) snapshot_seq_.store(seq, std::memory_order_release);
  return status;
}

DurableBackbone::~DurableBackbone() { Stop(); }

std::shared_ptr<core::Event> DurableBackbone::MakeEvent(EventRecord&& record) const {
  auto event = std::make_shared<core::Event>();
  event->topic = std::move(record.topic);
  event->epoch = epoch_;
  event->seq = record.seq;
  event->payload = std::move(record.payload);
  event->retain = record.retain;
  event->origin_time = record.origin_time;
  event->publish_time = record.publish_time;
  return event;
}

void DurableBackbone::Start(EventSink sink) {
  sink_ = std::move(sink);
  auto started = std::chrono::steady_clock::now();
  uint64_t replayed = 0;
  uint64_t from = options_.log.replay_from_seq;
  if (uint64_t snapshot = snapshot_seq(); snapshot > 0) {
    uint64_t next = log_->next_seq();
    uint64_t history_from =
        next > options_.replay_history_events ? next - options_.replay_history_events : 1;
    from = std::max(from, std::min(snapshot + 1, history_from));
  }
  Status status = log_->Replay(from, [&](EventRecord&& record) {
    sink_(MakeEvent(std::move(record)));
    ++replayed;
  });
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (!status.ok()) {
    // Verified at Open, so this is the disk changing under us; new events still get new seqs.
    spdlog::error("durable log {}: replay stopped after {} events: {}", options_.data_dir, replayed,
                  status.message());
    SetUnhealthy("replay failed: " + status.message());
  } else {
    spdlog::info("durable log {}: replayed {} events from seq {} in {} ms", options_.data_dir,
                 replayed, from, elapsed.count());
  }
  committer_ = std::thread([this] { Run(); });
}

void DurableBackbone::Publish(PublishRequest request, PublishDone done) {
  if (!log_format::FitsInRecord(request.topic.size(), request.payload.size())) {
    done(core::Error{"invalid_argument", "event too large for the durable log"});
    return;
  }
  {
    std::unique_lock lock(mutex_);
    if (!stopping_ && queue_.size() < options_.max_queued) {
      queue_.push_back(Pending{std::move(request), std::move(done), core::WallClockMs()});
      lock.unlock();
      wake_.notify_one();
      return;
    }
  }
  bool stopping;
  {
    std::lock_guard lock(mutex_);
    stopping = stopping_;
  }
  if (stopping) {
    done(core::Error{"unavailable", "the backbone is stopping"});
  } else {
    done(core::Error{"overloaded", "too many publishes waiting for the durable log (" +
                                       std::to_string(options_.max_queued) + "); retry shortly"});
  }
}

void DurableBackbone::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (committer_.joinable()) committer_.join();
  // Never started: nothing will commit what is queued.
  std::deque<Pending> orphans;
  {
    std::lock_guard lock(mutex_);
    orphans.swap(queue_);
  }
  for (Pending& pending : orphans) {
    pending.done(core::Error{"unavailable", "the backbone stopped before the publish was logged"});
  }
}

void DurableBackbone::Run() {
  std::deque<Pending> batch;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      auto timeout = healthy() ? options_.retention_interval : options_.retry_interval;
      wake_.wait_for(lock, timeout, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty() && stopping_) break;
      size_t bytes = 0;
      while (!queue_.empty() && batch.size() < options_.max_batch_events &&
             (batch.empty() || bytes < options_.max_batch_bytes)) {
        bytes += queue_.front().request.topic.size() + queue_.front().request.payload.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // A probe right after a failed batch would flap health: probe only when idle.
    bool idle = batch.empty();
    if (!idle) Commit(batch);
    batch.clear();
    Maintain(idle);
  }
}

void DurableBackbone::Commit(std::deque<Pending>& batch) {
  std::vector<EventRecord> records;
  records.reserve(batch.size());
  uint64_t seq = log_->next_seq();
  for (Pending& pending : batch) {
    records.push_back(EventRecord{seq++, pending.publish_time, pending.request.origin_time,
                                  pending.request.retain, std::move(pending.request.topic),
                                  std::move(pending.request.payload)});
  }
  Status status = log_->Append(records);
  if (!status.ok()) {
    SetUnhealthy(status.message());
    // Nothing of the batch was acknowledged or delivered; its seqs go to the next batch.
    for (Pending& pending : batch) {
      pending.done(core::Error{"storage_unavailable",
                               "the event log cannot take writes: " + status.message()});
    }
    return;
  }
  SetHealthy();
  commits_.fetch_add(1, std::memory_order_relaxed);
  committed_events_.fetch_add(records.size(), std::memory_order_relaxed);
  // Durable: deliver in seq order, then acknowledge (as LocalBackbone: sink before done).
  std::vector<PublishAck> acks;
  acks.reserve(records.size());
  for (EventRecord& record : records) {
    acks.push_back(PublishAck{epoch_, record.seq});
    sink_(MakeEvent(std::move(record)));
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(acks[i]));
}

// Between batches: probe failing storage when idle, and run age retention now and then.
void DurableBackbone::Maintain(bool idle) {
  if (idle && !healthy()) {
    if (Status status = log_->CheckWritable(); status.ok()) {
      SetHealthy();
    } else {
      SetUnhealthy(status.message());
    }
  }
  auto now = std::chrono::steady_clock::now();
  if (now - last_retention_ >= options_.retention_interval) {
    last_retention_ = now;
    if (Status status = log_->EnforceRetention(core::WallClockMs()); !status.ok()) {
      spdlog::warn("durable log {}: retention: {}", options_.data_dir, status.message());
    }
  }
}

void DurableBackbone::SetHealthy() {
  if (healthy_.load(std::memory_order_relaxed)) return;
  {
    std::lock_guard lock(status_mutex_);
    healthy_.store(true, std::memory_order_relaxed);
    unhealthy_reason_.clear();
  }
  spdlog::info("durable log {}: storage writable again", options_.data_dir);
}

void DurableBackbone::SetUnhealthy(const std::string& reason) {
  bool was_healthy;
  {
    std::lock_guard lock(status_mutex_);
    unhealthy_reason_ = reason;
    was_healthy = healthy_.exchange(false, std::memory_order_relaxed);
  }
  // One line per change of state, not per failed batch.
  if (was_healthy) {
    spdlog::error("durable log {}: storage unavailable, publishes refused: {}", options_.data_dir,
                  reason);
  }
}

std::string DurableBackbone::status() const {
  std::lock_guard lock(status_mutex_);
  if (healthy()) return "ok";
  return "storage unavailable: " + unhealthy_reason_;
}

}  // namespace herald::backbone
