#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace herald::telemetry {

// A counter written by one thread (its loop) and read by any: a relaxed load and store, no
// locked instruction on the delivery path. Gauges use Add with a negative delta.
class OwnedCounter {
 public:
  void Add(int64_t delta) {
    value_.store(value_.load(std::memory_order_relaxed) + static_cast<uint64_t>(delta),
                 std::memory_order_relaxed);
  }
  uint64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

enum class Protocol : uint8_t { kHttp, kWebSocket, kSse, kCount };
const char* ProtocolName(Protocol protocol);

// Counters of one shard (one loop); summed over shards for /metrics.
struct ShardMetrics {
  OwnedCounter connections[static_cast<size_t>(Protocol::kCount)];  // gauges, open now
  OwnedCounter connections_accepted;
  OwnedCounter connections_refused;  // over max_connections
  OwnedCounter deliveries;           // events queued to a connection
  OwnedCounter queue_overflows;      // slow consumers closed
  OwnedCounter http_requests;
  OwnedCounter http_requests_refused;  // malformed, oversize, too slow (400/413/414/431/408)
  OwnedCounter publishes_refused;      // 4xx/429 on publish
};

// Node-wide figures read at scrape time.
struct NodeGauges {
  uint64_t events_in = 0;
  uint64_t bytes_out = 0;
  uint64_t accept_pauses = 0;
  uint64_t loop_parks = 0;
  uint64_t loops_parked = 0;
  uint64_t loops_busy = 0;
  uint64_t loops_holding_writes = 0;
  uint64_t history_events = 0;
  uint64_t state_rows = 0;
  uint64_t last_seq = 0;
};

// Prometheus text exposition format (version 0.0.4).
std::string RenderPrometheus(const std::vector<const ShardMetrics*>& shards,
                             const NodeGauges& gauges);

}  // namespace herald::telemetry
