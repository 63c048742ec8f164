#include "core/history.h"

#include <algorithm>
#include <mutex>

#include "core/topic.h"

namespace herald::core {

namespace {

// Age counts from the publish (kept in the durable log), not from this node's receipt, so
// events replayed at a restart do not start a fresh window.
UnixMillis AgeBase(const Event& event) {
  return event.publish_time != 0 ? event.publish_time : event.edge_time;
}

}  // namespace

History::History(HistoryLimits limits, std::shared_ptr<const PolicySet> policies)
    : limits_(limits) {
  SetPolicies(std::move(policies));
}

void History::SetPolicies(std::shared_ptr<const PolicySet> policies) {
  std::unique_lock lock(mutex_);
  policies_ = std::move(policies);
  topic_ages_ = false;
  if (policies_ != nullptr) {
    for (const TopicPolicy& policy : policies_->policies()) {
      topic_ages_ = topic_ages_ || policy.history_max_age_ms.has_value();
    }
  }
  for (auto& [topic, log] : topics_) ResolvePolicyLocked(topic, log);
}

void History::ResolvePolicyLocked(const std::string& topic, TopicLog& log) const {
  const TopicPolicy* policy = policies_ != nullptr ? policies_->For(topic) : nullptr;
  log.depth = policy != nullptr && policy->history_depth ? *policy->history_depth
                                                         : limits_.max_events_per_topic;
  log.max_age_ms =
      policy != nullptr && policy->history_max_age_ms ? *policy->history_max_age_ms : 0;
}

void History::Append(const EventPtr& event, UnixMillis now_ms) {
  std::unique_lock lock(mutex_);
  uint64_t next = first_seq_ + ring_.size();
  if (event->seq < next) return;  // already have it (replayed delivery)
  if (event->seq > next) {
    // A gap in the log (events that never reached this node): everything before is unknowable.
    while (!ring_.empty()) EvictFrontLocked();
    first_seq_ = event->seq;
    evicted_through_ = event->seq - 1;
  }
  ring_.push_back(event);
  ++live_;
  auto [it, inserted] = topics_.try_emplace(event->topic);
  TopicLog& log = it->second;
  if (inserted) ResolvePolicyLocked(event->topic, log);
  log.seqs.push_back(event->seq);
  while (log.seqs.size() > log.depth) EvictTopicFrontLocked(log);
  if (log.max_age_ms != 0) EvictTopicExpiredLocked(log, now_ms);
  // Slots emptied by the per-topic limit count too (at a quarter of a live event), so one hot
  // topic cannot grow the ring without bound between age evictions.
  while (live_ > limits_.max_events || ring_.size() > 4 * limits_.max_events) EvictFrontLocked();
  EvictExpiredLocked(now_ms);
}

void History::EvictExpired(UnixMillis now_ms) {
  std::unique_lock lock(mutex_);
  EvictExpiredLocked(now_ms);
  if (!topic_ages_) return;
  for (auto& [topic, log] : topics_) {
    if (log.max_age_ms != 0) EvictTopicExpiredLocked(log, now_ms);
  }
}

void History::EvictTopicFrontLocked(TopicLog& log) {
  uint64_t old = log.seqs.front();
  log.seqs.pop_front();
  ring_[old - first_seq_] = nullptr;
  --live_;
  log.evicted_through = old;
  max_topic_evicted_through_ = std::max(max_topic_evicted_through_, old);
}

void History::EvictTopicExpiredLocked(TopicLog& log, UnixMillis now_ms) {
  while (!log.seqs.empty()) {
    const EventPtr& oldest = ring_[log.seqs.front() - first_seq_];
    if (oldest && now_ms - AgeBase(*oldest) <= log.max_age_ms) return;
    EvictTopicFrontLocked(log);
  }
}

void History::EvictExpiredLocked(UnixMillis now_ms) {
  while (!ring_.empty()) {
    const EventPtr& front = ring_.front();
    if (front && now_ms - AgeBase(*front) <= limits_.max_age_ms) break;
    EvictFrontLocked();
  }
}

void History::EvictFrontLocked() {
  EventPtr front = std::move(ring_.front());
  ring_.pop_front();
  ++first_seq_;
  // A slot the per-topic limit already emptied stays accounted to its topic
  // (TopicLog::evicted_through): moving the global watermark over it would make every filter
  // incomplete, not only those matching that topic.
  if (!front) return;
  evicted_through_ = front->seq;
  --live_;
  auto it = topics_.find(front->topic);
  if (it == topics_.end()) return;
  if (!it->second.seqs.empty() && it->second.seqs.front() == front->seq) {
    it->second.seqs.pop_front();
  }
  // The global watermark now covers this topic's older evictions too.
  if (it->second.seqs.empty()) topics_.erase(it);
}

bool History::TopicsEvictedAfterLocked(const std::vector<std::string>& filters,
                                       uint64_t since) const {
  if (max_topic_evicted_through_ <= since) return false;
  for (const auto& [topic, log] : topics_) {
    if (log.evicted_through > since && MatchesAny(filters, topic)) return true;
  }
  return false;
}

History::Page History::After(const std::vector<std::string>& filters, uint64_t since,
                             size_t limit) const {
  Page page;
  std::shared_lock lock(mutex_);
  page.last_seq = first_seq_ + ring_.size() - 1;
  page.complete = since >= evicted_through_ && !TopicsEvictedAfterLocked(filters, since);
  // Not `since + 1`: it wraps to 0 for the largest seq a client can send.
  uint64_t skip = since < first_seq_ ? 0 : std::min<uint64_t>(since - first_seq_ + 1, ring_.size());
  for (size_t i = static_cast<size_t>(skip); i < ring_.size(); ++i) {
    const EventPtr& e = ring_[i];
    if (!e || !MatchesAny(filters, e->topic)) continue;
    if (page.items.size() == limit) {
      page.more = true;
      break;
    }
    page.items.push_back(e);
  }
  return page;
}

History::Page History::Latest(const std::vector<std::string>& filters, size_t limit) const {
  Page page;
  std::shared_lock lock(mutex_);
  page.last_seq = first_seq_ + ring_.size() - 1;
  page.complete = evicted_through_ == 0 && !TopicsEvictedAfterLocked(filters, 0);
  for (size_t i = ring_.size(); i-- > 0;) {
    const EventPtr& e = ring_[i];
    if (!e || !MatchesAny(filters, e->topic)) continue;
    if (page.items.size() == limit) {
      page.more = true;
      page.complete = false;
      break;
    }
    page.items.push_back(e);
  }
  std::reverse(page.items.begin(), page.items.end());
  return page;
}

size_t History::size() const {
  std::shared_lock lock(mutex_);
  return live_;
}

uint64_t History::last_seq() const {
  std::shared_lock lock(mutex_);
  return first_seq_ + ring_.size() - 1;
}

}  // namespace herald::core
