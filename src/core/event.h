#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace herald::core {

// Milliseconds since the Unix epoch; 0 when unknown.
using UnixMillis = int64_t;

// One published event. Immutable once built; shared by reference between threads and
// connections (EventPtr), so fan-out never copies the payload.
struct Event {
  std::string topic;
  std::string epoch;            // names the log lifetime that assigned `seq`
  uint64_t seq = 0;             // 1 for the first event of an epoch, +1 for each event
  std::string payload;          // bytes as published; empty deletes the topic's state row
  bool retain = true;           // false: transient, never enters the state table
  UnixMillis origin_time = 0;   // set at the source, when known
  UnixMillis publish_time = 0;  // when the first node or connector took it
  UnixMillis edge_time = 0;     // when the delivering node received it from the backbone

  bool IsDelete() const { return payload.empty(); }
};

using EventPtr = std::shared_ptr<const Event>;

// Bytes built once and shared by every connection that sends them (framed events).
using SharedBytes = std::shared_ptr<const std::string>;

}  // namespace herald::core
