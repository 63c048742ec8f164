#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "histogram.h"

namespace herald::bench {

struct Options {
  std::string subscriber = "herald-ws";
  std::string publisher = "herald-rest";
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  uint16_t publish_port = 0;  // 0: same as port
  std::string topic = "bench/fanout";
  int topics = 1;  // connection i subscribes <topic>-<i % topics> when > 1
  int topics_per_conn =
      1;  // > 1: connection i subscribes <topic>-<(i + k*topics/K) % topics>, k < K
  int connections = 100;
  int publishers = 1;  // pipelined publisher connections; message k goes out on k % publishers
  int processes = 1;   // client processes (each under the open-file limit)
  int source_ips = 1;  // spread connections over 127.0.0.1..N
  double rate = 100;   // messages per second, in total
  double duration_s = 5;
  int payload_bytes = 64;
  double idle_s = 0;               // hold connections idle before measuring memory
  double grace_s = 5;              // after publishing stops, how long undelivered may arrive
  double slow_fraction = 0;        // share of subscribers that stop reading
  double reconnect_at_s = 0;       // > 0: every subscriber drops and reconnects (resuming)
  double reconnect_spread_s = 2;   // ... at a random moment within this window
  std::vector<pid_t> server_pids;  // for PSS and CPU
  std::string label;
};

// Per-process results, summed by the parent.
struct ClientResult {
  int64_t connected = 0;
  int64_t failed = 0;
  int64_t connect_ms = 0;  // until the last one connected
  int64_t expected = 0;    // by readers only (slow subscribers excluded)
  int64_t received = 0;
  int64_t duplicates = 0;
  int64_t reordered = 0;
  int64_t closed_by_server = 0;
  int64_t slow_closed = 0;        // of those, slow subscribers (found by draining them at the end)
  int64_t reconnected = 0;        // reconnect storm: subscribers back after dropping
  int64_t reconnect_failed = 0;   // reconnect attempts refused or closed before they were back
  int64_t reconnect_retries = 0;  // ... retried (up to 5 times each, 0.25-0.75 s apart)
  int64_t reconnect_pending = 0;  // reconnects still unfinished at the end (never back)
  int64_t reconnect_ms = 0;       // from the storm's start until the last was back
  int64_t cpu_us = 0;
  Histogram latency;
};

struct RunResult {
  Options options;
  ClientResult clients;
  int64_t published = 0;
  int64_t publish_errors = 0;
  int64_t server_pss_before = 0;
  int64_t server_pss_connected = 0;
  int64_t server_pss_after = 0;  // right after publishing stops (queues of slow consumers)
  int64_t server_cpu_us = 0;     // during publishing and delivery
  double publish_seconds = 0;
};

RunResult Run(const Options& options);
void PrintHuman(const RunResult& result);
std::string ToJson(const RunResult& result);

}  // namespace herald::bench
