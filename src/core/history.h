#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/policy.h"

namespace herald::core {

struct HistoryLimits {
  size_t max_events = 100'000;          // in total: bounds memory (about 100 MB at 1 KB payloads)
  size_t max_events_per_topic = 1'000;  // one hot topic cannot push every other topic out
  int64_t max_age_ms = 3'600'000;       // an hour: longer outages resume from state instead
};

// The node's bounded event log, indexed by seq and by topic, so that a client reconnecting with
// its last id gets exactly what it missed. Written by the node's delivery path in seq order,
// read by every loop: thread-safe.
class History {
 public:
  // `policies` (may be null) set per-topic depth and age.
  explicit History(HistoryLimits limits, std::shared_ptr<const PolicySet> policies = nullptr);

  // Replaces the policies (SIGHUP); every known topic's depth and age are resolved again and
  // apply from its next append.
  void SetPolicies(std::shared_ptr<const PolicySet> policies);

  // Appends the next event (seq order). Evicts by count, per-topic count and age (`now_ms`).
  void Append(const EventPtr& event, UnixMillis now_ms);
  // Evicts events older than the age limit; called periodically when no appends arrive.
  void EvictExpired(UnixMillis now_ms);

  struct Page {
    std::vector<EventPtr> items;  // increasing seq
    bool complete = true;         // false when evicted events after `since` may have matched
    bool more = false;            // true when the page was cut at `limit`
    uint64_t last_seq = 0;        // the log's last seq when the page was read
  };
  // Events matching any of `filters` with seq > `since`, oldest first, at most `limit`.
  Page After(const std::vector<std::string>& filters, uint64_t since, size_t limit) const;
  // The most recent `limit` events matching any of `filters`, oldest first.
  Page Latest(const std::vector<std::string>& filters, size_t limit) const;

  size_t size() const;
  uint64_t last_seq() const;

 private:
  struct TopicLog {
    std::deque<uint64_t> seqs;     // retained seqs of this topic, oldest first
    uint64_t evicted_through = 0;  // highest seq of this topic evicted by the per-topic limit
    size_t depth = 0;              // per-topic limit (policy or node default)
    int64_t max_age_ms = 0;        // a policy's age limit for this topic; 0: the node's
  };
  void EvictTopicFrontLocked(TopicLog& log);
  void EvictTopicExpiredLocked(TopicLog& log, UnixMillis now_ms);
  void EvictFrontLocked();
  void EvictExpiredLocked(UnixMillis now_ms);
  bool TopicsEvictedAfterLocked(const std::vector<std::string>& filters, uint64_t since) const;

  const HistoryLimits limits_;
  void ResolvePolicyLocked(const std::string& topic, TopicLog& log) const;
  std::shared_ptr<const PolicySet> policies_;  // HERALD_GUARDED_BY(mutex_)
  bool topic_ages_ = false;  // some policy sets an age: the periodic sweep visits topics
  mutable std::shared_mutex mutex_;
  // ring_[i] holds seq first_seq_ + i; null where the per-topic limit evicted it.
  std::deque<EventPtr> ring_;     // HERALD_GUARDED_BY(mutex_)
  uint64_t first_seq_ = 1;        // HERALD_GUARDED_BY(mutex_)
  size_t live_ = 0;               // HERALD_GUARDED_BY(mutex_)
  uint64_t evicted_through_ = 0;  // every seq up to here is gone   HERALD_GUARDED_BY(mutex_)
  uint64_t max_topic_evicted_through_ = 0;            // HERALD_GUARDED_BY(mutex_)
  std::unordered_map<std::string, TopicLog> topics_;  // HERALD_GUARDED_BY(mutex_)
};

}  // namespace herald::core
