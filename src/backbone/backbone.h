#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/result.h"

namespace herald::backbone {

struct PublishRequest {
  std::string topic;  // validated by the caller
  std::string payload;
  bool retain = true;
  core::UnixMillis origin_time = 0;
};

struct PublishAck {
  std::string epoch;
  uint64_t seq = 0;
};

// The state to start from: rows as of `seq` (0: none), e.g. a durable log's state snapshot.
struct RestoredState {
  uint64_t seq = 0;
  std::vector<std::shared_ptr<core::Event>> rows;
};

// Carries every event to every node, assigns seq and epoch, and keeps a replayable log.
// Implementations: LocalBackbone (in-process), DurableBackbone (local log on disk); later NATS
// JetStream.
class Backbone {
 public:
  // Receives every event exactly once, in seq order, mutable until the node shares it.
  using EventSink = std::function<void(std::shared_ptr<core::Event>)>;
  // Called with the outcome of a publish, on any thread, possibly before Publish returns.
  using PublishDone = std::function<void(core::Result<PublishAck>)>;

  virtual ~Backbone() = default;
  // Starts delivery to `sink`. Called once, before any Publish.
  virtual void Start(EventSink sink) = 0;
  // Appends the event; `done` gets its id once it is in the log (and was handed to the sink).
  virtual void Publish(PublishRequest request, PublishDone done) = 0;
  // The current log lifetime's epoch.
  virtual std::string epoch() const = 0;
  // The state to load before Start replays the log (once; later calls return nothing). Events
  // the replay delivers up to its seq are already reflected in it.
  virtual RestoredState TakeRestoredState() { return {}; }
  // Why publishes cannot be accepted now (storage failing), or empty when they can.
  virtual std::string UnavailableReason() const { return {}; }
};

}  // namespace herald::backbone
