#pragma once

#include "app/periodic_thread.h"
#include "backbone/durable_backbone.h"
#include "node/node.h"

namespace herald::app {

// Saves the node's state table as a snapshot now, if it moved since the last one; logs the
// outcome (any thread).
void SaveStateSnapshot(node::Node& node, backbone::DurableBackbone& backbone);

// Saves the node's state table to the durable log's directory every `interval_ms` when it has
// changed, so that retention can drop old segments without losing current values. Owns its
// thread. `interval_ms` > 0.
class SnapshotWriter {
 public:
  SnapshotWriter(node::Node& node, backbone::DurableBackbone& backbone, int64_t interval_ms)
      : thread_(std::chrono::milliseconds(interval_ms),
                [&node, &backbone] { SaveStateSnapshot(node, backbone); }) {}

 private:
  PeriodicThread thread_;
};

}  // namespace herald::app
