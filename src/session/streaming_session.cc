#include "session/streaming_session.h"

#include <algorithm>

#include "core/event_id.h"
#include "core/topic.h"
#include "proto/json/writer.h"

namespace herald::session {

StreamingSession::StreamingSession(node::Shard& shard, const SessionConfig& config,
                                   std::unique_ptr<net::Connection> connection,
                                   core::SubscriberId id, telemetry::Protocol protocol)
    : shard_(shard),
      config_(config),
      connection_(std::move(connection)),
      id_(id),
      protocol_(protocol) {
  connection_->set_handler(this);
  connection_->set_queue_limit(config_.max_queue_bytes);
  shard_.metrics().connections[static_cast<size_t>(protocol_)].Add(1);
}

StreamingSession::~StreamingSession() {
  shard_.metrics().connections[static_cast<size_t>(protocol_)].Add(-1);
}

bool StreamingSession::Wanted(const core::Event& event) const {
  if (event.seq > max_watermark_) return true;
  // This event may already have been sent as part of a subscription's start: it is wanted only
  // through a filter whose start did not cover it.
  return std::any_of(filters_.begin(), filters_.end(), [&](const Filter& f) {
    return event.seq > f.watermark && core::FilterMatches(f.filter, event.topic);
  });
}

void StreamingSession::OnEvent(const core::EventPtr& event) {
  if (finished_ || connection_->closing() || !Wanted(*event)) return;
  if (starting_next_ < starting_.size()) {
    held_.push_back(event);
    // Held events are bounded like the queue: a client this far behind is a slow consumer.
    if (held_.size() * 64 > config_.max_queue_bytes) {
      shard_.metrics().queue_overflows.Add(1);
      CloseSlowConsumer();
    }
    return;
  }
  Send(event);
}

void StreamingSession::Send(const core::EventPtr& event) {
  if (finished_ || connection_->closing()) return;
  if (conflation_) {
    Conflate(event);
    return;
  }
  shard_.metrics().deliveries.Add(1);
  if (SendEvent(event) == net::EnqueueResult::kOverLimit) {
    shard_.metrics().queue_overflows.Add(1);
    if (!ConflatesTopic(event->topic)) {
      CloseSlowConsumer();
      return;
    }
    // What is queued still goes out; from now until the queue drains, newer events replace
    // older ones of the same topic instead of growing the queue.
    conflation_ = std::make_unique<Conflation>();
    connection_->NotifyWhenDrained();
  }
}

std::string GapFields(const std::vector<std::string>& skipped_ids, size_t skipped_count) {
  std::string body = "\"skipped\":";
  proto::json::AppendStringArray(body, skipped_ids);
  body += ",\"skipped_count\":" + std::to_string(skipped_count);
  return body;
}

bool StreamingSession::ConflatesTopic(const std::string& topic) const {
  auto policies = shard_.node().policies();
  const core::TopicPolicy* policy = policies->For(topic);
  return policy != nullptr && policy->slow_consumer == core::SlowConsumerPolicy::kConflate;
}

void StreamingSession::Conflate(const core::EventPtr& event) {
  if (!ConflatesTopic(event->topic)) {
    // A topic whose policy is "close" cannot wait: the queue has no room for it.
    CloseSlowConsumer();
    return;
  }
  core::EventPtr& slot = conflation_->newest[event->topic];
  if (slot) {
    ++conflation_->skipped_count;
    if (conflation_->skipped_ids.size() < kMaxGapIds) {
      conflation_->skipped_ids.push_back(core::FormatEventId(slot->epoch, slot->seq));
    }
  }
  slot = event;
}

void StreamingSession::FlushConflated() {
  std::unique_ptr<Conflation> done = std::move(conflation_);
  std::vector<core::EventPtr> newest;
  newest.reserve(done->newest.size());
  for (auto& [topic, event] : done->newest) newest.push_back(std::move(event));
  std::sort(newest.begin(), newest.end(),
            [](const core::EventPtr& a, const core::EventPtr& b) { return a->seq < b->seq; });
  if (done->skipped_count > 0) SendGap(done->skipped_ids, done->skipped_count);
  for (const core::EventPtr& event : newest) Send(event);
}

void StreamingSession::AddSubscription(const std::vector<std::string>& filters,
                                       const std::optional<core::EventId>& since) {
  for (const std::string& filter : filters) shard_.Subscribe(id_, filter);
  StartPlan plan = PlanStart(shard_.node(), filters, since, config_.max_state_rows);
  for (const std::string& filter : filters) {
    // A filter already active keeps its watermark: events on their way to this session when
    // the new start was planned are still delivered live. Deletions and transient events are
    // in no start, so raising it would drop them; the cost is that a retained event in flight
    // may come twice (in the new start and live), which its id tells.
    if (FindFilter(filter) == filters_.end()) filters_.push_back(Filter{filter, plan.watermark});
  }
  max_watermark_ = std::max(max_watermark_, plan.watermark);
  if (plan.reset != StartPlan::Reset::kNone) SendReset(plan.reset);
  if (starting_next_ == starting_.size()) {
    starting_ = std::move(plan.events);
    starting_next_ = 0;
  } else {
    starting_.insert(starting_.end(), plan.events.begin(), plan.events.end());
  }
  Pump();
}

bool StreamingSession::RemoveSubscription(const std::string& filter) {
  auto it = FindFilter(filter);
  if (it == filters_.end()) return false;
  filters_.erase(it);
  shard_.Unsubscribe(id_, filter);
  return true;
}

std::vector<StreamingSession::Filter>::iterator StreamingSession::FindFilter(
    const std::string& filter) {
  return std::find_if(filters_.begin(), filters_.end(),
                      [&](const Filter& f) { return f.filter == filter; });
}

bool StreamingSession::IsSubscribed(const std::string& filter) const {
  return const_cast<StreamingSession*>(this)->FindFilter(filter) != filters_.end();
}

void StreamingSession::Pump() {
  // Start events go out while the queue is under half its limit; the rest when it drains, so a
  // large state table streams without holding it all in the queue at once.
  while (starting_next_ < starting_.size()) {
    if (finished_ || connection_->closed()) return;
    if (connection_->queued_bytes() > config_.max_queue_bytes / 2) {
      connection_->NotifyWhenDrained();
      return;
    }
    Send(starting_[starting_next_++]);
  }
  starting_.clear();
  starting_.shrink_to_fit();
  starting_next_ = 0;
  std::vector<core::EventPtr> held;
  held.swap(held_);
  for (const core::EventPtr& event : held) {
    if (Wanted(*event)) Send(event);
  }
  if (!finished_ && !connection_->closed()) OnStartsQueued();
}

void StreamingSession::OnDrained() {
  if (conflation_) FlushConflated();
  Pump();
}

void StreamingSession::OnClosed(std::string_view) { Finish(); }

void StreamingSession::Finish() {
  if (finished_) return;
  finished_ = true;
  shard_.Release(id_);  // destroys this at the end of the loop turn
}

}  // namespace herald::session
