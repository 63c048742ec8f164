#include "core/state_table.h"

#include <algorithm>
#include <mutex>

#include "core/topic.h"

namespace herald::core {

void StateTable::Apply(const EventPtr& event) {
  std::unique_lock lock(mutex_);
  last_seq_ = std::max(last_seq_, event->seq);
  if (!event->retain) return;
  auto [it, inserted] = rows_.try_emplace(event->topic);
  Row& row = it->second;
  bool was_live = !inserted && row.event != nullptr;
  row.seq = event->seq;
  if (event->IsDelete()) {
    row.event = nullptr;
    if (was_live) --live_rows_;
  } else {
    row.event = event;
    if (!was_live) ++live_rows_;
  }
}

StateTable::Snapshot StateTable::Query(std::string_view filter) const {
  Snapshot snapshot;
  // FNV-1a over (topic, seq) of every matched row and tombstone, order-independent by XOR of
  // per-row hashes so that the table's hash order does not matter.
  auto row_hash = [](std::string_view topic, uint64_t seq) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : topic) h = (h ^ c) * 1099511628211ull;
    for (int i = 0; i < 8; ++i) h = (h ^ ((seq >> (8 * i)) & 0xff)) * 1099511628211ull;
    return h;
  };
  std::shared_lock lock(mutex_);
  snapshot.last_seq = last_seq_;
  bool literal = filter.find_first_of("+#") == std::string_view::npos;
  if (literal) {
    if (auto it = rows_.find(std::string(filter)); it != rows_.end()) {
      snapshot.fingerprint ^= row_hash(it->first, it->second.seq);
      if (it->second.event) snapshot.rows.push_back(it->second.event);
    }
  } else {
    for (const auto& [topic, row] : rows_) {
      if (!FilterMatches(filter, topic)) continue;
      snapshot.fingerprint ^= row_hash(topic, row.seq);
      if (row.event) snapshot.rows.push_back(row.event);
    }
  }
  lock.unlock();
  std::sort(snapshot.rows.begin(), snapshot.rows.end(),
            [](const EventPtr& a, const EventPtr& b) { return a->seq < b->seq; });
  return snapshot;
}

uint64_t StateTable::last_seq() const {
  std::shared_lock lock(mutex_);
  return last_seq_;
}

size_t StateTable::size() const {
  std::shared_lock lock(mutex_);
  return live_rows_;
}

}  // namespace herald::core
