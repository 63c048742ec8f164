#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace herald::node {

// Remembers the id given to each keyed publish for a window, so that a retried publish (REST
// Idempotency-Key, WebSocket client_id + ref) gets its original id instead of a second event.
// Bounded by count and age. Thread-safe.
class PublishDedup {
 public:
  // Longest retry key the sessions accept: max_keys bounds memory only if each key is small.
  static constexpr size_t kMaxKeyBytes = 256;

  PublishDedup(int64_t window_ms, size_t max_keys) : window_ms_(window_ms), max_keys_(max_keys) {}

  // The id already published under `key`, if still remembered.
  std::optional<std::string> Find(const std::string& key, int64_t now_ms);
  void Remember(const std::string& key, std::string id, int64_t now_ms);

 private:
  void ExpireLocked(int64_t now_ms);

  const int64_t window_ms_;
  const size_t max_keys_;
  std::mutex mutex_;
  struct Entry {
    std::string id;
    int64_t at_ms;
  };
  std::unordered_map<std::string, Entry> ids_;          // HERALD_GUARDED_BY(mutex_)
  std::deque<std::pair<int64_t, std::string>> by_age_;  // HERALD_GUARDED_BY(mutex_)
};

}  // namespace herald::node
