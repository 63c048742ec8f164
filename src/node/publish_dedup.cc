#include "node/publish_dedup.h"

namespace herald::node {

std::optional<std::string> PublishDedup::Find(const std::string& key, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  ExpireLocked(now_ms);
  auto it = ids_.find(key);
  if (it == ids_.end()) return std::nullopt;
  return it->second.id;
}

void PublishDedup::Remember(const std::string& key, std::string id, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  ExpireLocked(now_ms);
  auto [it, inserted] = ids_.try_emplace(key, Entry{std::move(id), now_ms});
  if (!inserted) return;  // a concurrent retry got there first: keep the first id
  by_age_.emplace_back(now_ms, key);
  while (ids_.size() > max_keys_) {
    ids_.erase(by_age_.front().second);
    by_age_.pop_front();
  }
}

void PublishDedup::ExpireLocked(int64_t now_ms) {
  while (!by_age_.empty() && now_ms - by_age_.front().first > window_ms_) {
    auto it = ids_.find(by_age_.front().second);
    if (it != ids_.end() && it->second.at_ms == by_age_.front().first) ids_.erase(it);
    by_age_.pop_front();
  }
}

}  // namespace herald::node
