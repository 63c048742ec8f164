#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "net/connection.h"
#include "node/client.h"
#include "node/shard.h"
#include "proto/http/request.h"
#include "proto/http/response.h"
#include "proto/http/url.h"
#include "session/rate_limiter.h"
#include "session/session_config.h"

namespace herald::session {

// Every accepted connection starts here: reads HTTP/1.1 requests (keep-alive, pipelined, one
// at a time), serves REST, and hands the socket to a WebSocket or SSE session on upgrade.
// Owned by its shard; loop thread only.
class HttpSession final : public node::Client, public net::ConnectionHandler {
 public:
  // Takes ownership of `fd`, adopts the session into `shard`.
  static void Accept(node::Shard& shard, const SessionConfig& config, int fd,
                     const net::Endpoint& peer);

  HttpSession(node::Shard& shard, const SessionConfig& config, int fd, const net::Endpoint& peer);
  ~HttpSession() override;

  void OnData(std::string_view bytes) override;
  void OnDrained() override;
  void OnClosed(std::string_view reason) override;
  void OnEvent(const core::EventPtr&) override {}
  void OnTick(int64_t now_ms) override;
  void OnShutdown() override;

 private:
  // Parses and handles buffered requests until one is pending, the input runs out or the
  // connection is handed over.
  void ProcessInput();
  void Handle(proto::http::Request request, size_t consumed);
  void Respond(proto::http::Response response);
  void UpgradeToWebSocket(const proto::http::Request& request, std::string_view early_bytes);
  void UpgradeToSse(const proto::http::Request& request, const proto::http::Target& target);

  node::Shard& shard_;
  const SessionConfig& config_;
  std::unique_ptr<net::Connection> connection_;
  core::SubscriberId id_ = 0;
  std::string input_;               // bytes of requests not yet handled
  bool awaiting_response_ = false;  // a request is being answered; later ones wait
  bool keep_alive_ = true;          // of the request being answered
  bool head_only_ = false;          // of the request being answered
  bool handed_over_ = false;        // the socket now belongs to a WebSocket or SSE session
  bool processing_ = false;         // ProcessInput is running: responses do not re-enter it
  bool continue_sent_ = false;      // "100 Continue" went out for the request being received
  bool http10_keep_alive_ = false;  // an HTTP/1.0 keep-alive request: its response says so
  bool output_full_ = false;  // responses over the queue limit: reading waits for them to drain
  std::vector<std::pair<std::string, std::string>> cors_;  // of the request being answered
  int64_t deadline_ms_ = 0;  // header/body timeout, keep-alive idle timeout, or close linger
  static constexpr int64_t kCloseLingerMs = 5'000;  // a closing client's time to read the last
  RateLimiter publish_rate_;
};

}  // namespace herald::session
