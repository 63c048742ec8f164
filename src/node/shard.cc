#include "node/shard.h"

#include <algorithm>

#include "node/node.h"

namespace herald::node {

Shard::Shard(Node& node, net::EventLoop& loop) : node_(node), loop_(loop) {
  // Ids are unique across shards: the loop index lives in the top byte.
  next_id_ = (static_cast<core::SubscriberId>(loop.index()) << 56) + 1;
}

Shard::~Shard() = default;

core::SubscriberId Shard::Adopt(std::unique_ptr<Client> client) {
  core::SubscriberId id = next_id_++;
  clients_.emplace(id, Entry{std::move(client), {}});
  node_.OnClientCountChange(+1);
  return id;
}

void Shard::Replace(core::SubscriberId id, std::unique_ptr<Client> client) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  loop_.DisposeLater(std::move(it->second.client));
  it->second.client = std::move(client);
}

void Shard::Release(core::SubscriberId id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  for (const std::string& filter : it->second.filters) tree_.Unsubscribe(filter, id);
  loop_.DisposeLater(std::move(it->second.client));
  clients_.erase(it);
  node_.OnClientCountChange(-1);
}

Client* Shard::Find(core::SubscriberId id) const {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second.client.get();
}

bool Shard::Subscribe(core::SubscriberId id, std::string_view filter) {
  auto it = clients_.find(id);
  if (it == clients_.end() || !tree_.Subscribe(filter, id)) return false;
  it->second.filters.emplace_back(filter);
  return true;
}

bool Shard::Unsubscribe(core::SubscriberId id, std::string_view filter) {
  auto it = clients_.find(id);
  if (it == clients_.end() || !tree_.Unsubscribe(filter, id)) return false;
  auto& filters = it->second.filters;
  filters.erase(std::find(filters.begin(), filters.end(), filter));
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
  std::vector<Client*> clients;
  clients.reserve(clients_.size());
  for (auto& [id, entry] : clients_) clients.push_back(entry.client.get());
  for (Client* client : clients) client->OnTick(now);
}

void Shard::Shutdown() {
  std::vector<Client*> clients;
  for (auto& [id, entry] : clients_) clients.push_back(entry.client.get());
  for (Client* client : clients) client->OnShutdown();
}

}  // namespace herald::node
