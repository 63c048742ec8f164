#pragma once

#include <string>
#include <string_view>

#include "proto/http/request.h"
#include "proto/json/client_message.h"
#include "proto/ws/codec.h"
#include "session/rate_limiter.h"
#include "session/streaming_session.h"

namespace herald::session {

// A WebSocket connection speaking the JSON protocol (docs/protocol.md): subscribe with since,
// unsubscribe, publish, ack. Owned by its shard; loop thread only.
class WebSocketSession final : public StreamingSession {
 public:
  WebSocketSession(node::Shard& shard, const SessionConfig& config,
                   std::unique_ptr<net::Connection> connection, core::SubscriberId id);

  // Why `request` is not an acceptable opening handshake (status and message), or status 0.
  struct HandshakeError {
    int status = 0;
    std::string message;
  };
  static HandshakeError CheckHandshake(const proto::http::Request& request,
                                       const std::vector<std::string>& allowed_origins);

  // Sends the 101 response and the welcome message; `early_bytes` are frames that arrived
  // with the handshake.
  void Start(const proto::http::Request& request, std::string_view early_bytes);

  void OnData(std::string_view bytes) override;
  void OnStartsQueued() override;
  void OnTick(int64_t now_ms) override;
  void OnShutdown() override;

  // The shared framing of an event: one text frame holding {"type":"event",...}.
  static core::SharedBytes Encode(const core::Event& event);

 protected:
  net::EnqueueResult SendEvent(const core::EventPtr& event) override;
  void SendReset(StartPlan::Reset reset) override;
  void CloseSlowConsumer() override;
  // Decodes and handles whole frames from `input`; keeps the rest in input_.
  void DecodeInput(std::string_view input);
  // Decodes what input_ holds (bytes read while paused, or an incomplete frame plus more).
  void DecodeBuffered();
  void SendGap(const std::vector<std::string>& skipped_ids, size_t skipped_count) override;

 private:
  void HandleMessage(proto::ws::Message& message);
  void HandleText(std::string_view text);
  void HandleSubscribe(proto::json::ClientMessage& message);
  void HandleUnsubscribe(const proto::json::ClientMessage& message);
  void HandlePublish(proto::json::ClientMessage& message);
  void SendText(std::string json);
  // Queues a reply or pong frame; past the queue limit the client is a slow consumer.
  void SendBounded(std::string frame);
  void SendError(std::string_view code, std::string_view message,
                 const std::optional<std::string>& ref = std::nullopt);
  // Sends a close frame and closes once it is written.
  void CloseWith(uint16_t code, std::string_view reason);

  proto::ws::Decoder decoder_;
  std::string input_;  // bytes of an incomplete frame, or of frames read while paused
  // Reading and decoding wait while a subscription's start is being queued: a client that
  // subscribes again and again without reading would otherwise pile up starts, each up to
  // limits.max_state_rows events, behind its full queue.
  bool paused_for_start_ = false;
  size_t queued_at_last_tick_ = 0;     // the send queue at the last tick, and what the
  uint64_t written_at_last_tick_ = 0;  // kernel had taken by then: a backlog moving is life
  int64_t next_ping_ms_ = 0;
  int64_t last_heard_ms_ = 0;
  bool close_sent_ = false;
  RateLimiter publish_rate_;
  int64_t close_deadline_ms_ = 0;
  static constexpr int64_t kCloseLingerMs = 5'000;  // RFC 6455 7.1.1 leaves the wait to us
};

}  // namespace herald::session
