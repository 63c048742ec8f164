#include "core/state_table.h"

#include <algorithm>
#include <mutex>

#include "core/topic.h"

namespace herald::core {

void StateTable::Apply(const EventPtr& event) {
  std::unique_lock lock(mutex_);
  last_seq_ = std::max(last_seq_, event->seq);
  if (!event->retain) return;
  if (event->IsDelete()) {
    rows_.erase(event->topic);
  } else {
    rows_.insert_or_assign(event->topic, event);
  }
}

StateTable::Snapshot StateTable::Query(const std::vector<std::string>& filters) const {
  Snapshot snapshot;
  // FNV-1a over (topic, seq) of every matched row, order-independent by XOR of per-row hashes
  // so that the table's hash order does not matter.
  auto row_hash = [](std::string_view topic, uint64_t seq) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : topic) h = (h ^ c) * 1099511628211ull;
    for (int i = 0; i < 8; ++i) h = (h ^ ((seq >> (8 * i)) & 0xff)) * 1099511628211ull;
    return h;
  };
  std::shared_lock lock(mutex_);
  snapshot.last_seq = last_seq_;
  auto add = [&](const std::string& topic, const EventPtr& row) {
    snapshot.fingerprint ^= row_hash(topic, row->seq);
    snapshot.rows.push_back(row);
  };
  bool all_literal = std::all_of(filters.begin(), filters.end(), [](const std::string& f) {
    return f.find_first_of("+#") == std::string::npos;
  });
  if (all_literal) {
    // Exact topics: look each up instead of scanning the table (a polling client's common case).
    std::vector<const std::string*> seen;
    for (const std::string& filter : filters) {
      auto it = rows_.find(filter);
      if (it == rows_.end()) continue;
      if (std::find(seen.begin(), seen.end(), &it->first) != seen.end()) continue;
      seen.push_back(&it->first);
      add(it->first, it->second);
    }
  } else {
    for (const auto& [topic, row] : rows_) {
      if (MatchesAny(filters, topic)) add(topic, row);
    }
  }
  lock.unlock();
  std::sort(snapshot.rows.begin(), snapshot.rows.end(),
            [](const EventPtr& a, const EventPtr& b) { return a->seq < b->seq; });
  return snapshot;
}

StateTable::Snapshot StateTable::All() const {
  Snapshot snapshot;
  std::shared_lock lock(mutex_);
  snapshot.last_seq = last_seq_;
  snapshot.rows.reserve(rows_.size());
  for (const auto& [topic, row] : rows_) snapshot.rows.push_back(row);
  lock.unlock();
  std::sort(snapshot.rows.begin(), snapshot.rows.end(),
            [](const EventPtr& a, const EventPtr& b) { return a->seq < b->seq; });
  return snapshot;
}

void StateTable::AdvanceTo(uint64_t seq) {
  std::unique_lock lock(mutex_);
  last_seq_ = std::max(last_seq_, seq);
}

uint64_t StateTable::OldestLiveSeq() const {
  std::shared_lock lock(mutex_);
  uint64_t oldest = UINT64_MAX;
  for (const auto& [topic, row] : rows_) {
    oldest = std::min(oldest, row->seq);
  }
  return oldest;
}

uint64_t StateTable::last_seq() const {
  std::shared_lock lock(mutex_);
  return last_seq_;
}

size_t StateTable::size() const {
  std::shared_lock lock(mutex_);
  return rows_.size();
}

}  // namespace herald::core
