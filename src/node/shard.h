#pragma once

#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/topic_tree.h"
#include "net/event_loop.h"
#include "node/client.h"
#include "node/frame_cache.h"
#include "telemetry/metrics.h"

namespace herald::node {

class Node;

// One loop's share of the node: the clients it owns, their subscriptions and its frame cache.
// Everything here runs on the shard's loop thread; other threads reach it through loop().Post.
class Shard {
 public:
  Shard(Node& node, net::EventLoop& loop);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Takes ownership of a new client and returns its id.
  core::SubscriberId Adopt(std::unique_ptr<Client> client);
  // Swaps the client behind `id` (an HTTP connection upgraded to WebSocket or SSE); the old one
  // is destroyed at the end of the loop turn.
  void Replace(core::SubscriberId id, std::unique_ptr<Client> client);
  // Drops the client and its subscriptions; destroyed at the end of the loop turn.
  void Release(core::SubscriberId id);
  Client* Find(core::SubscriberId id) const;

  bool Subscribe(core::SubscriberId id, std::string_view filter);
  bool Unsubscribe(core::SubscriberId id, std::string_view filter);

  // Hands a live event to every client whose filters match it.
  void Deliver(const core::EventPtr& event);
  void Tick();
  // Asks every client to say goodbye and close.
  void Shutdown();

  net::EventLoop& loop() { return loop_; }
  Node& node() { return node_; }
  FrameCache& frames() { return frames_; }
  telemetry::ShardMetrics& metrics() { return metrics_; }
  size_t client_count() const { return client_count_; }

 private:
  // Clients live in slots; an id names its slot (low 32 bits), a generation (next 24) so a stale
  // id never finds the slot's next occupant, and the shard (top 8). Lookup is an array index:
  // one per delivery.
  struct Entry {
    core::SubscriberId id = 0;  // 0 while the slot is free
    std::unique_ptr<Client> client;
    std::vector<std::string> filters;  // to unsubscribe everything on release
  };
  Entry* FindEntry(core::SubscriberId id);
  void DropInterest(std::string_view filter);
  const Entry* FindEntry(core::SubscriberId id) const;

  Node& node_;
  net::EventLoop& loop_;
  core::TopicTree tree_;
  std::vector<Entry> slots_;
  // Subscribers per filter on this shard: the node is told when a filter gains its first or
  // loses its last, so events reach only shards with interest.
  std::unordered_map<std::string, uint32_t> filter_refs_;
  std::vector<uint32_t> free_slots_;
  size_t client_count_ = 0;
  uint32_t generation_ = 0;
  std::vector<core::SubscriberId> matches_;  // reused per event: no allocation per delivery
  FrameCache frames_;
  telemetry::ShardMetrics metrics_;
};

}  // namespace herald::node
