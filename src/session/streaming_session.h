#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/topic_tree.h"
#include "net/connection.h"
#include "node/client.h"
#include "node/shard.h"
#include "session/session_config.h"
#include "session/subscription_start.h"
#include "telemetry/metrics.h"

namespace herald::session {

// What WebSocket and SSE sessions share: a connection that streams events to one client, the
// client's filters, and the start of each subscription (state or missed events, streamed under
// backpressure, with live events held back until it is done, then deduplicated by seq).
// Owned by its shard; loop thread only.
// `"skipped":[ids],"skipped_count":N` (no braces), shared by the WebSocket and SSE gap notices.
std::string GapFields(const std::vector<std::string>& skipped_ids, size_t skipped_count);

class StreamingSession : public node::Client, public net::ConnectionHandler {
 public:
  StreamingSession(node::Shard& shard, const SessionConfig& config,
                   std::unique_ptr<net::Connection> connection, core::SubscriberId id,
                   telemetry::Protocol protocol);
  ~StreamingSession() override;

  void OnEvent(const core::EventPtr& event) override;
  void OnDrained() override;
  void OnClosed(std::string_view reason) override;

 protected:
  // Queues one event in this protocol's framing; returns the connection's verdict.
  virtual net::EnqueueResult SendEvent(const core::EventPtr& event) = 0;
  // Tells the client it must start over from state (SSE "event: reset", WS "reset").
  virtual void SendReset(StartPlan::Reset reset) = 0;
  // The queue passed its limit: say why in this protocol's terms and close.
  virtual void CloseSlowConsumer() = 0;
  // Tells the client which events conflation skipped (their ids, at most kMaxGapIds of them,
  // and how many in all), so it can refetch state.
  virtual void SendGap(const std::vector<std::string>& skipped_ids, size_t skipped_count) = 0;
  static constexpr size_t kMaxGapIds = 1000;

  // Subscribes `filters` (validated), then sends their start (state, or the events after
  // `since`). Subscribing first matters: the node routes events only to shards with interest,
  // so an event published meanwhile is either in the start or delivered live (deduplicated).
  void AddSubscription(const std::vector<std::string>& filters,
                       const std::optional<core::EventId>& since);
  // Removes filters; false for one that was not subscribed.
  bool RemoveSubscription(const std::string& filter);
  size_t subscription_count() const { return filters_.size(); }
  // A subscription's start is still being queued (it waits for the client to read).
  bool starting() const { return starting_next_ < starting_.size(); }
  // Every start so far is queued; called each time the queue drains with no start left.
  virtual void OnStartsQueued() {}
  bool IsSubscribed(const std::string& filter) const;

  // Sends `event` and closes this session when its queue passed the limit.
  void Send(const core::EventPtr& event);
  // Ends this session: releases it from the shard (destroyed at the end of the turn).
  void Finish();

  node::Shard& shard_;
  const SessionConfig& config_;
  std::unique_ptr<net::Connection> connection_;
  const core::SubscriberId id_;

 private:
  struct Filter {
    std::string filter;
    uint64_t watermark;  // live events up to here were covered by this filter's start
  };
  std::vector<Filter>::iterator FindFilter(const std::string& filter);
  bool Wanted(const core::Event& event) const;
  void Pump();

  std::vector<Filter> filters_;
  uint64_t max_watermark_ = 0;
  std::vector<core::EventPtr> starting_;  // start events not yet queued
  size_t starting_next_ = 0;
  std::vector<core::EventPtr> held_;  // live events that arrived while starting

  // A queue over its limit under a "conflate" policy: until it drains, only the newest event
  // per topic is kept here; allocated only while conflating.
  struct Conflation {
    std::unordered_map<std::string, core::EventPtr> newest;
    std::vector<std::string> skipped_ids;
    size_t skipped_count = 0;
  };
  bool ConflatesTopic(const std::string& topic) const;
  void Conflate(const core::EventPtr& event);
  void FlushConflated();
  std::unique_ptr<Conflation> conflation_;
  const telemetry::Protocol protocol_;
  bool finished_ = false;
};

}  // namespace herald::session
