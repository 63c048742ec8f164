#include "session/websocket_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "core/topic.h"
#include "node/publish_dedup.h"
#include "proto/http/response.h"
#include "proto/json/envelope.h"
#include "proto/json/writer.h"
#include "session/publish_rules.h"
#include "session/rest_api.h"

namespace herald::session {

namespace ws = proto::ws;
using proto::json::ClientMessage;

namespace {

bool HeaderHasToken(const std::string* value, std::string_view token) {
  if (value == nullptr) return false;
  std::string lower = *value;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  size_t start = 0;
  while (start <= lower.size()) {
    size_t comma = lower.find(',', start);
    if (comma == std::string::npos) comma = lower.size();
    std::string_view item = std::string_view(lower).substr(start, comma - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == token) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

WebSocketSession::WebSocketSession(node::Shard& shard, const SessionConfig& config,
                                   std::unique_ptr<net::Connection> connection,
                                   core::SubscriberId id)
    : StreamingSession(shard, config, std::move(connection), id, telemetry::Protocol::kWebSocket),
      decoder_(ws::Role::kServer, ws::DecoderLimits{config.max_message_bytes}),
      publish_rate_(config.max_publishes_per_second, config.publish_burst) {}

WebSocketSession::HandshakeError WebSocketSession::CheckHandshake(
    const proto::http::Request& request, const std::vector<std::string>& allowed_origins) {
  // RFC 6455 4.2.1: GET, HTTP/1.1, Upgrade: websocket, Connection: Upgrade, a 16-byte key,
  // version 13 (426 with the supported version otherwise, 4.4).
  if (request.method != "GET") return {405, "WebSocket handshake must use GET"};
  // A browser page from an origin not allowed by CORS may not open a socket either
  // (cross-site WebSocket hijacking); non-browser clients send no Origin.
  if (const std::string* origin = request.Find("origin");
      origin != nullptr && !OriginAllowed(allowed_origins, *origin)) {
    return {403, "origin " + *origin + " is not allowed"};
  }
  if (request.version_minor < 1) return {400, "WebSocket handshake needs HTTP/1.1"};
  if (!HeaderHasToken(request.Find("upgrade"), "websocket")) {
    return {400, "missing \"Upgrade: websocket\""};
  }
  if (!HeaderHasToken(request.Find("connection"), "upgrade")) {
    return {400, "missing \"Connection: Upgrade\""};
  }
  const std::string* version = request.Find("sec-websocket-version");
  if (version == nullptr || *version != "13") return {426, "Sec-WebSocket-Version must be 13"};
  const std::string* key = request.Find("sec-websocket-key");
  if (key == nullptr || !ws::IsValidClientKey(*key)) {
    return {400, "Sec-WebSocket-Key must be base64 of 16 bytes"};
  }
  return {};
}

void WebSocketSession::Start(const proto::http::Request& request, std::string_view early_bytes) {
  // permessage-deflate is declined (no Sec-WebSocket-Extensions): frames are built once and
  // shared by every subscriber, which per-connection compression would undo (docs/decisions).
  std::string response = proto::http::SerializeHead(
      101, {{"Upgrade", "websocket"},
            {"Connection", "Upgrade"},
            {"Sec-WebSocket-Accept", ws::AcceptKey(*request.Find("sec-websocket-key"))}});
  connection_->Enqueue(std::move(response));
  int64_t now = shard_.loop().now_ms();
  next_ping_ms_ = now + config_.ws_ping_ms;
  last_heard_ms_ = now;
  std::string welcome = "{\"type\":\"welcome\",\"node\":";
  proto::json::AppendString(welcome, config_.node_name);
  welcome += ",\"epoch\":\"" + shard_.node().epoch() + "\",\"time\":" +
             std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count()) +
             ",\"limits\":{\"max_message_bytes\":" + std::to_string(config_.max_message_bytes) +
             ",\"max_subscriptions\":" + std::to_string(config_.max_subscriptions) +
             ",\"max_queue_bytes\":" + std::to_string(config_.max_queue_bytes) +
             ",\"ping_ms\":" + std::to_string(config_.ws_ping_ms) + "}}";
  SendText(std::move(welcome));
  if (!early_bytes.empty()) OnData(early_bytes);
}

core::SharedBytes WebSocketSession::Encode(const core::Event& event) {
  std::string json = proto::json::WsEventMessage(event);
  std::string frame = ws::EncodeFrameHeader(ws::Opcode::kText, json.size());
  frame += json;
  return std::make_shared<const std::string>(std::move(frame));
}

net::EnqueueResult WebSocketSession::SendEvent(const core::EventPtr& event) {
  return connection_->Enqueue(
      shard_.frames().Get(event, node::FrameFormat::kWebSocketJson, &Encode));
}

void WebSocketSession::SendText(std::string json) {
  if (close_sent_) return;
  SendBounded(ws::EncodeFrame(ws::Opcode::kText, json));
}

void WebSocketSession::SendBounded(std::string frame) {
  // Replies and pongs count against the queue limit like events: a client that sends and
  // never reads would otherwise grow its queue with answers, unbounded.
  if (connection_->Enqueue(std::move(frame)) == net::EnqueueResult::kOverLimit) {
    shard_.metrics().queue_overflows.Add(1);
    CloseSlowConsumer();
  }
}

void WebSocketSession::SendError(std::string_view code, std::string_view message,
                                 const std::optional<std::string>& ref) {
  std::string json = "{\"type\":\"error\",\"code\":";
  proto::json::AppendString(json, code);
  json += ",\"message\":";
  proto::json::AppendString(json, message);
  if (ref) {
    json += ",\"ref\":";
    proto::json::AppendString(json, *ref);
  }
  json += "}";
  SendText(std::move(json));
}

void WebSocketSession::SendReset(StartPlan::Reset reset) {
  SendText(std::string("{\"type\":\"reset\",\"reason\":\"") + ResetReason(reset) +
           "\",\"epoch\":\"" + shard_.node().epoch() + "\"}");
}

void WebSocketSession::CloseWith(uint16_t code, std::string_view reason) {
  if (!close_sent_) {
    connection_->Enqueue(ws::EncodeClose(code, reason));
    close_sent_ = true;
    // A peer that does not read its queue (and the close frame behind it) is cut off.
    close_deadline_ms_ = shard_.loop().now_ms() + kCloseLingerMs;
  }
  connection_->CloseAfterFlush();
}

void WebSocketSession::SendGap(const std::vector<std::string>& skipped_ids, size_t skipped_count) {
  SendText("{\"type\":\"gap\"," + GapFields(skipped_ids, skipped_count) + "}");
}

void WebSocketSession::CloseSlowConsumer() {
  spdlog::info("ws#{} {} closing: send queue {} B over limit (slow consumer)", id_,
               connection_->peer().ToString(), connection_->queued_bytes());
  CloseWith(ws::kCloseTryAgainLater, "slow consumer: send queue over limit; resume with since");
}

void WebSocketSession::OnData(std::string_view bytes) {
  if (close_sent_ || connection_->closing()) return;
  last_heard_ms_ = shard_.loop().now_ms();
  // Decode straight from the loop's buffer; keep only what is left undecoded.
  if (input_.empty()) {
    DecodeInput(bytes);
    return;
  }
  input_.append(bytes);
  DecodeBuffered();
}

void WebSocketSession::OnStartsQueued() {
  if (!paused_for_start_) return;
  paused_for_start_ = false;
  connection_->ResumeReading();
  DecodeBuffered();
}

void WebSocketSession::DecodeBuffered() {
  // DecodeInput appends what it leaves to input_, so it decodes from a buffer of its own.
  std::string buffered = std::move(input_);
  input_.clear();
  DecodeInput(buffered);
}

void WebSocketSession::DecodeInput(std::string_view input) {
  size_t used = 0;
  ws::Message message;
  while (!close_sent_ && !connection_->closed() && !paused_for_start_) {
    ws::DecodeResult result = decoder_.Decode(input.substr(used), message);
    used += result.consumed;
    if (result.kind == ws::DecodeResult::Kind::kError) {
      CloseWith(result.close_code, result.error);
      return;
    }
    if (result.kind == ws::DecodeResult::Kind::kNeedMore) {
      if (result.consumed == 0) break;
      continue;
    }
    HandleMessage(message);
  }
  if (connection_->closed()) return;
  input_.append(input.substr(used));
  if (input_.capacity() > 2 * input_.size() + 64) input_.shrink_to_fit();
}

void WebSocketSession::HandleMessage(ws::Message& message) {
  switch (message.kind) {
    case ws::Message::Kind::kText:
      HandleText(message.payload);
      break;
    case ws::Message::Kind::kBinary:
      CloseWith(ws::kCloseUnsupportedData, "binary messages are not part of the protocol");
      break;
    case ws::Message::Kind::kPing:
      // RFC 6455 5.5.3: a pong carries the ping's application data.
      if (!close_sent_) SendBounded(ws::EncodeFrame(ws::Opcode::kPong, message.payload));
      break;
    case ws::Message::Kind::kPong:
      break;
    case ws::Message::Kind::kClose: {
      // RFC 6455 5.5.1: answer with a close frame echoing the status code, then close.
      uint16_t code =
          message.close_code == ws::kCloseNoStatus ? ws::kCloseNormal : message.close_code;
      CloseWith(code, "");
      break;
    }
  }
}

void WebSocketSession::HandleText(std::string_view text) {
  auto parsed = proto::json::ParseClientMessage(text);
  if (!parsed) {
    SendError(parsed.error().code, parsed.error().message, proto::json::RefOfRefusedMessage(text));
    return;
  }
  ClientMessage& message = parsed.value();
  switch (message.type) {
    case ClientMessage::Type::kSubscribe:
      HandleSubscribe(message);
      break;
    case ClientMessage::Type::kUnsubscribe:
      HandleUnsubscribe(message);
      break;
    case ClientMessage::Type::kPublish:
      HandlePublish(message);
      break;
    case ClientMessage::Type::kAck:
      break;  // accepted; consumed by telemetry (a later issue)
  }
}

void WebSocketSession::HandleSubscribe(ClientMessage& message) {
  // A filter named twice in one message is one subscription: counted, started and answered
  // once. Without this a message could repeat a filter it already has without limit, and each
  // copy would be matched against the whole state table.
  std::unordered_set<std::string> seen;
  std::vector<std::string> unique;
  for (std::string& filter : message.topics) {
    if (seen.insert(filter).second) unique.push_back(std::move(filter));
  }
  message.topics = std::move(unique);
  for (const std::string& filter : message.topics) {
    if (auto error = core::FilterError(filter)) {
      SendError("invalid_filter", "\"" + filter + "\": " + *error);
      return;
    }
  }
  std::optional<core::EventId> since;
  if (message.since) {
    since = core::ParseEventId(*message.since);
    if (!since) {
      SendError("invalid_since", "\"since\" must be an id \"<epoch>:<seq>\"");
      return;
    }
  }
  size_t new_filters = 0;
  for (const std::string& filter : message.topics) new_filters += !IsSubscribed(filter);
  if (subscription_count() + new_filters > config_.max_subscriptions) {
    SendError("too_many_subscriptions",
              "at most " + std::to_string(config_.max_subscriptions) + " filters per connection");
    return;
  }
  std::string reply = "{\"type\":\"subscribed\",\"topics\":";
  proto::json::AppendStringArray(reply, message.topics);
  reply += "}";
  SendText(std::move(reply));
  AddSubscription(message.topics, since);
  if (starting() && !paused_for_start_) {
    paused_for_start_ = true;
    connection_->PauseReading();
  }
}

void WebSocketSession::HandleUnsubscribe(const ClientMessage& message) {
  std::vector<std::string> removed;
  for (const std::string& filter : message.topics) {
    if (RemoveSubscription(filter)) removed.push_back(filter);
  }
  std::string reply = "{\"type\":\"unsubscribed\",\"topics\":";
  proto::json::AppendStringArray(reply, removed);
  reply += "}";
  SendText(std::move(reply));
}

void WebSocketSession::HandlePublish(ClientMessage& message) {
  if (auto error = core::TopicError(message.topic)) {
    SendError("invalid_topic", *error, message.ref);
    return;
  }
  PublishRules rules = RulesFor(shard_.node(), config_, message.topic);
  if (message.payload.size() > rules.max_payload_bytes) {
    SendError("payload_too_large",
              "payload over " + std::to_string(rules.max_payload_bytes) + " bytes for this topic",
              message.ref);
    return;
  }
  if (!publish_rate_.Allow(shard_.loop().now_ms())) {
    shard_.metrics().publishes_refused.Add(1);
    SendError("rate_limited",
              "over " + std::to_string(static_cast<int64_t>(config_.max_publishes_per_second)) +
                  " publishes per second on this connection",
              message.ref);
    return;
  }
  // A client that names itself and its publish (client_id + ref) can retry safely: a repeat
  // within the window gets the first publish's id.
  std::string dedup_key;
  if (message.client_id && message.ref) {
    if (message.client_id->size() + message.ref->size() > node::PublishDedup::kMaxKeyBytes) {
      SendError("bad_message",
                "client_id and ref together over " +
                    std::to_string(node::PublishDedup::kMaxKeyBytes) + " bytes",
                message.ref);
      return;
    }
    // The client id's length keeps ("a:1", "7") and ("a", "1:7") apart.
    dedup_key = "ws:" + std::to_string(message.client_id->size()) + ":" + *message.client_id + ":" +
                *message.ref;
  }
  node::PublishRequest request{std::move(message.topic), std::move(message.payload),
                               message.retain.value_or(rules.retain_by_default), 0};
  node::Shard* shard = &shard_;
  core::SubscriberId id = id_;
  std::optional<std::string> ref = std::move(message.ref);
  shard_.node().PublishOnce(shard_, dedup_key, std::move(request),
                            [shard, id, ref](core::Result<node::PublishAck> result) {
                              auto* self = dynamic_cast<WebSocketSession*>(shard->Find(id));
                              if (self == nullptr) return;
                              if (!result) {
                                self->SendError(result.error().code, result.error().message, ref);
                                return;
                              }
                              if (!ref) return;
                              std::string reply = "{\"type\":\"published\",\"ref\":";
                              proto::json::AppendString(reply, *ref);
                              reply += ",\"id\":\"" +
                                       core::FormatEventId(result->epoch, result->seq) + "\"}";
                              self->SendText(std::move(reply));
                            });
}

void WebSocketSession::OnTick(int64_t now_ms) {
  if (connection_->closed()) return;
  if (close_sent_) {
    if (now_ms >= close_deadline_ms_) connection_->Close("close handshake timed out");
    return;
  }
  // A client working through a backlog is alive, though its pong may wait behind frames it
  // has not read yet (and, during a start, behind the pause): frames leaving a queue that was
  // not empty count as hearing from it. Pings alone never do: they leave an empty queue.
  if (queued_at_last_tick_ > 0 && connection_->bytes_written() != written_at_last_tick_) {
    last_heard_ms_ = now_ms;
  }
  queued_at_last_tick_ = connection_->queued_bytes();
  written_at_last_tick_ = connection_->bytes_written();
  // A peer silent for two ping intervals (no pong, no data) is gone: free its resources.
  if (now_ms - last_heard_ms_ > 2 * config_.ws_ping_ms + config_.ws_ping_ms / 2) {
    connection_->Close("ping timeout");
    return;
  }
  if (now_ms >= next_ping_ms_) {
    next_ping_ms_ = now_ms + config_.ws_ping_ms;
    static const core::SharedBytes kPing =
        std::make_shared<const std::string>(ws::EncodeFrame(ws::Opcode::kPing, ""));
    connection_->Enqueue(kPing);
  }
}

void WebSocketSession::OnShutdown() {
  CloseWith(ws::kCloseGoingAway, "server shutting down; reconnect with since");
}

}  // namespace herald::session
