#include "session/sse_session.h"

#include <spdlog/spdlog.h>

#include <random>

#include "proto/http/response.h"
#include "proto/json/envelope.h"
#include "proto/json/writer.h"
#include "proto/sse/encoder.h"

namespace herald::session {

SseSession::SseSession(node::Shard& shard, const SessionConfig& config,
                       std::unique_ptr<net::Connection> connection, core::SubscriberId id)
    : StreamingSession(shard, config, std::move(connection), id, telemetry::Protocol::kSse) {}

core::SharedBytes SseSession::Encode(const core::Event& event) {
  return std::make_shared<const std::string>(proto::sse::EncodeEvent(
      core::FormatEventId(event.epoch, event.seq), "", proto::json::EventObject(event)));
}

int SseSession::JitteredRetryMs() {
  // Spread reconnects of a large audience over ±50% so a restart is not a thundering herd.
  std::minstd_rand random(
      static_cast<uint32_t>(id_ ^ static_cast<uint64_t>(shard_.loop().now_ms())));
  int64_t base = config_.sse_retry_ms;
  return static_cast<int>(base / 2 +
                          static_cast<int64_t>(random() % static_cast<uint32_t>(base + 1)));
}

void SseSession::Start(const std::vector<std::string>& filters,
                       const std::optional<core::EventId>& since,
                       std::vector<std::pair<std::string, std::string>> extra_headers) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "text/event-stream; charset=utf-8"},
      {"Cache-Control", "no-cache"},
      {"X-Accel-Buffering", "no"},  // nginx and CDNs: do not buffer the stream
      {"Connection", "keep-alive"},
  };
  headers.insert(headers.end(), extra_headers.begin(), extra_headers.end());
  std::string head = proto::http::SerializeHead(200, headers);
  head += proto::sse::EncodeRetry(JitteredRetryMs());
  connection_->Enqueue(std::move(head));
  next_heartbeat_ms_ = shard_.loop().now_ms() + config_.sse_heartbeat_ms;
  AddSubscription(filters, since);
}

net::EnqueueResult SseSession::SendEvent(const core::EventPtr& event) {
  return connection_->Enqueue(shard_.frames().Get(event, node::FrameFormat::kSse, &Encode));
}

void SseSession::SendReset(StartPlan::Reset reset) {
  std::string data = "{\"reason\":\"";
  data += ResetReason(reset);
  data += "\",\"epoch\":\"" + shard_.node().epoch() + "\"}";
  connection_->Enqueue(proto::sse::EncodeEvent("", "reset", data));
}

void SseSession::SendGap(const std::vector<std::string>& skipped_ids, size_t skipped_count) {
  connection_->Enqueue(
      proto::sse::EncodeEvent("", "gap", "{" + GapFields(skipped_ids, skipped_count) + "}"));
}

void SseSession::CloseSlowConsumer() {
  // Reached from the queue limit, the held-events cap and conflation: name the figures, not
  // a cause that may not be the one.
  spdlog::info("sse#{} {} closing as a slow consumer: send queue {} B (limit {} B)", id_,
               connection_->peer().ToString(), connection_->queued_bytes(),
               config_.max_queue_bytes);
  // The queued frames are dropped; the client resumes with Last-Event-ID.
  connection_->Close("slow consumer");
}

void SseSession::OnData(std::string_view) {
  // An SSE client sends nothing after its request; anything more is ignored.
}

void SseSession::OnTick(int64_t now_ms) {
  if (now_ms < next_heartbeat_ms_ || connection_->closed()) return;
  next_heartbeat_ms_ = now_ms + config_.sse_heartbeat_ms;
  static const core::SharedBytes kHeartbeat =
      std::make_shared<const std::string>(proto::sse::EncodeComment("heartbeat"));
  connection_->Enqueue(kHeartbeat);
}

void SseSession::OnShutdown() {
  connection_->Enqueue(proto::sse::EncodeRetry(JitteredRetryMs()));
  connection_->CloseAfterFlush();
}

}  // namespace herald::session
