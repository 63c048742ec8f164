#include "app/snapshot_writer.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace herald::app {

SnapshotWriter::SnapshotWriter(node::Node& node, backbone::DurableBackbone& backbone,
                               int64_t interval_ms)
    : node_(node), backbone_(backbone), interval_ms_(interval_ms), thread_([this] { Run(); }) {}

SnapshotWriter::~SnapshotWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SaveStateSnapshot(node::Node& node, backbone::DurableBackbone& backbone) {
  core::StateTable::Snapshot state = node.state().All();
  if (state.last_seq <= backbone.snapshot_seq()) return;
  auto started = std::chrono::steady_clock::now();
  backbone::Status status = backbone.WriteSnapshot(state.last_seq, state.rows);
  if (!status.ok()) {
    spdlog::warn("state snapshot at seq {}: {}", state.last_seq, status.message());
    return;
  }
  spdlog::info("state snapshot at seq {}: {} rows in {} ms", state.last_seq, state.rows.size(),
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());
}

void SnapshotWriter::Run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(interval_ms_),
                         [this] { return stopping_; })) {
    lock.unlock();
    SaveStateSnapshot(node_, backbone_);
    lock.lock();
  }
}

}  // namespace herald::app
