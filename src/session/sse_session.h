#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/event_id.h"
#include "session/streaming_session.h"

namespace herald::session {

// A Server-Sent Events stream (GET /events): one-way broadcast of the filters given at the
// start. Owned by its shard; loop thread only.
class SseSession final : public StreamingSession {
 public:
  SseSession(node::Shard& shard, const SessionConfig& config,
             std::unique_ptr<net::Connection> connection, core::SubscriberId id);

  // Writes the response head and retry hint, then the start of the stream, then goes live.
  // `extra_headers` carries CORS headers.
  void Start(const std::vector<std::string>& filters, const std::optional<core::EventId>& since,
             std::vector<std::pair<std::string, std::string>> extra_headers);

  void OnData(std::string_view bytes) override;
  void OnTick(int64_t now_ms) override;
  void OnShutdown() override;

  // The shared SSE framing of an event: "id: <id>\ndata: {...}\n\n".
  static core::SharedBytes Encode(const core::Event& event);

 protected:
  net::EnqueueResult SendEvent(const core::EventPtr& event) override;
  void SendReset(StartPlan::Reset reset) override;
  void CloseSlowConsumer() override;
  void SendGap(const std::vector<std::string>& skipped_ids, size_t skipped_count) override;

 private:
  int JitteredRetryMs();
  int64_t next_heartbeat_ms_ = 0;
};

}  // namespace herald::session
