#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "proto/http/request.h"
#include "session/static_files.h"

namespace herald::session {

// What every session of a node is allowed and expected to do. The defaults and their reasons
// are documented in docs/defaults.md; app/config.cc loads and validates them.
struct SessionConfig {
  std::string node_name;
  proto::http::RequestLimits http;              // max_body_bytes = max_message_bytes
  size_t max_message_bytes = 1024 * 1024;       // publish payloads and WebSocket messages
  size_t max_queue_bytes = 2 * 1024 * 1024;     // per-connection send queue before "slow consumer"
  size_t max_unsent_socket_bytes = 128 * 1024;  // kernel-held unsent bytes; 0 = kernel default
  size_t max_subscriptions = 100;               // filters per connection
  double max_publishes_per_second = 10'000;     // per connection (token bucket); 0 = unlimited
  double publish_burst = 10'000;                // bucket size: a client may send this many at once
  size_t max_state_rows = 100'000;              // rows (or missed events) sent per subscribe
  int64_t ws_ping_ms = 25'000;                  // below common CDN idle timeouts (60-100 s)
  int64_t sse_heartbeat_ms = 15'000;
  int64_t sse_retry_ms = 2'000;           // base of the jittered reconnect delay
  int64_t handshake_timeout_ms = 10'000;  // a request's headers and body must arrive in this
  int64_t idle_timeout_ms = 120'000;      // keep-alive HTTP connection with no request
  int64_t drain_timeout_ms = 5'000;       // SIGTERM: how long clients get to close
  std::vector<std::string> cors_allowed_origins = {"*"};
  const std::vector<StaticFile>* static_files = nullptr;  // served under "/"
};

}  // namespace herald::session
