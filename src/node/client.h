#pragma once

#include <cstdint>

#include "core/event.h"
#include "net/event_loop.h"

namespace herald::node {

// A client session as the node sees it: something that takes events and ticks. Sessions
// (src/session) implement it; a Shard owns each one and calls it on the shard's loop only.
class Client : public net::Disposable {
 public:
  // A live event matched one of this client's filters (once, however many matched).
  virtual void OnEvent(const core::EventPtr& event) = 0;
  // About every loop tick: timeouts, pings, heartbeats.
  virtual void OnTick(int64_t now_ms) = 0;
  // The node is shutting down: say goodbye (close frame, retry hint) and close.
  virtual void OnShutdown() {}
};

}  // namespace herald::node
