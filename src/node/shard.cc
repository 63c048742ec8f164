#include "node/shard.h"

#include <algorithm>

#include "node/node.h"

namespace herald::node {

Shard::Shard(Node& node, net::EventLoop& loop) : node_(node), loop_(loop) {}

Shard::~Shard() {
  // Sessions update this shard's metrics as they go: destroy them while the rest is intact.
  slots_.clear();
}

Shard::Entry* Shard::FindEntry(core::SubscriberId id) {
  uint32_t slot = static_cast<uint32_t>(id);
  if (slot >= slots_.size() || slots_[slot].id != id) return nullptr;
  return &slots_[slot];
}

const Shard::Entry* Shard::FindEntry(core::SubscriberId id) const {
  return const_cast<Shard*>(this)->FindEntry(id);
}

void Shard::DropInterest(std::string_view filter) {
  auto it = filter_refs_.find(std::string(filter));
  if (it == filter_refs_.end() || --it->second > 0) return;
  filter_refs_.erase(it);
  node_.RemoveInterest(filter, loop_.index());
}

core::SubscriberId Shard::Adopt(std::unique_ptr<Client> client) {
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  generation_ = (generation_ + 1) & 0xffffff;
  core::SubscriberId id = (static_cast<core::SubscriberId>(loop_.index()) << 56) |
                          (static_cast<core::SubscriberId>(generation_ + 1) << 32) | slot;
  slots_[slot].id = id;
  slots_[slot].client = std::move(client);
  ++client_count_;
  node_.OnClientCountChange(+1);
  return id;
}

void Shard::Replace(core::SubscriberId id, std::unique_ptr<Client> client) {
  Entry* entry = FindEntry(id);
  if (entry == nullptr) return;
  loop_.DisposeLater(std::move(entry->client));
  entry->client = std::move(client);
}

void Shard::Release(core::SubscriberId id) {
  Entry* entry = FindEntry(id);
  if (entry == nullptr) return;
  for (const std::string& filter : entry->filters) {
    tree_.Unsubscribe(filter, id);
    DropInterest(filter);
  }
  loop_.DisposeLater(std::move(entry->client));
  entry->filters.clear();
  entry->filters.shrink_to_fit();
  entry->id = 0;
  free_slots_.push_back(static_cast<uint32_t>(id));
  --client_count_;
  node_.OnClientCountChange(-1);
}

Client* Shard::Find(core::SubscriberId id) const {
  const Entry* entry = FindEntry(id);
  return entry == nullptr ? nullptr : entry->client.get();
}

bool Shard::Subscribe(core::SubscriberId id, std::string_view filter) {
  Entry* entry = FindEntry(id);
  if (entry == nullptr || !tree_.Subscribe(filter, id)) return false;
  entry->filters.emplace_back(filter);
  if (++filter_refs_[entry->filters.back()] == 1) node_.AddInterest(filter, loop_.index());
  return true;
}

bool Shard::Unsubscribe(core::SubscriberId id, std::string_view filter) {
  Entry* entry = FindEntry(id);
  if (entry == nullptr || !tree_.Unsubscribe(filter, id)) return false;
  auto& filters = entry->filters;
  filters.erase(std::find(filters.begin(), filters.end(), filter));
  DropInterest(filter);
  return true;
}

void Shard::Deliver(const core::EventPtr& event) {
  matches_.clear();
  tree_.Match(event->topic, matches_);
  for (core::SubscriberId id : matches_) {
    // A client may release itself (slow consumer) while we deliver: look each one up.
    if (Client* client = Find(id)) client->OnEvent(event);
  }
}

void Shard::Tick() {
  int64_t now = loop_.now_ms();
  // Collect first: a client may release itself (timeout) during its tick.
  // Collect first: a client may release itself (timeout) during its tick, and a slot freed
  // then may be reused by a client accepted in the same turn.
  std::vector<Client*> clients;
  clients.reserve(client_count_);
  for (Entry& entry : slots_) {
    if (entry.id != 0) clients.push_back(entry.client.get());
  }
  for (Client* client : clients) client->OnTick(now);
}

void Shard::Shutdown() {
  std::vector<Client*> clients;
  for (Entry& entry : slots_) {
    if (entry.id != 0) clients.push_back(entry.client.get());
  }
  for (Client* client : clients) client->OnShutdown();
}

}  // namespace herald::node
