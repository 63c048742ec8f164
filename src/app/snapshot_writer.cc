#include "app/snapshot_writer.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace herald::app {

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

}  // namespace herald::app
