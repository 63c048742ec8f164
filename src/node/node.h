#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "backbone/backbone.h"
#include "core/history.h"
#include "core/policy.h"
#include "core/result.h"
#include "core/state_table.h"
#include "core/topic_tree.h"
#include "net/endpoint.h"
#include "net/event_loop.h"
#include "net/listener.h"
#include "node/admission.h"
#include "node/publish_dedup.h"
#include "node/shard.h"

namespace herald::node {

// Sessions publish through the node, never the backbone directly.
using PublishRequest = backbone::PublishRequest;
using PublishAck = backbone::PublishAck;

struct NodeOptions {
  size_t threads = 0;     // event loops; 0 = one per core
  std::string node_name;  // names this node in logs (sessions show their own copy)
  core::HistoryLimits history;
  core::PolicySet policies;            // per-topic-filter settings ([[policies]]); start-up value
  size_t max_connections = 100'000;    // all protocols; more are refused at accept
  size_t max_pending_events = 50'000;  // per loop; past it publishes get "overloaded"
  int listen_backlog = 4096;           // explicit: the kernel default (4096 since 5.4) may be lower
  int64_t tick_ms = 250;               // resolution of timeouts, pings and heartbeats
  int64_t write_delay_ms = 0;  // hold writes this long to gather more frames per writev (0: none)
  // The same, only while a loop is busy, scaled to its turns (net/event_loop.h).
  int64_t busy_write_delay_ms = 5;
  // Loops other than the first hand their turns to the first loop's thread while the node is
  // mostly idle, so a delivery to another loop wakes no second thread (net/event_loop.h).
  bool park_idle_loops = true;
  bool io_uring = true;  // write through io_uring (docs/benchmarks.md); falls back to writev
  size_t max_connections_per_ip = 0;  // 0 = no limit: behind a CDN all clients share few addresses
  int64_t dedup_window_ms = 300'000;  // how long a publish key remembers its id (retries)
  size_t dedup_max_keys = 100'000;    // bounds the memory of that
};

// One edge node: the loops and their shards, the state table and history, and the path from
// the backbone to every loop. Constructed and started on the main thread; Publish and the
// accessors are safe from any loop.
class Node {
 public:
  // Called on a shard's loop for each accepted socket; takes ownership of `fd`.
  using AcceptFn = std::function<void(Shard& shard, int fd, const net::Endpoint& peer)>;
  using PublishDone = std::function<void(core::Result<backbone::PublishAck>)>;

  Node(NodeOptions options, backbone::Backbone& backbone);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Opens one listener per loop on `endpoint` (SO_REUSEPORT). Before Start().
  core::Result<net::Endpoint> Listen(const net::Endpoint& endpoint, AcceptFn on_accept);
  // Starts one thread per loop.
  void Start();
  // Stops accepting and asks every client to close (graceful drain).
  void Drain();
  // Stops the loops and joins their threads.
  void Stop();

  // Publishes through the backbone. `done` runs on `from`'s loop thread. Refuses with
  // "overloaded" when the loops cannot keep up.
  void Publish(Shard& from, backbone::PublishRequest request, PublishDone done);
  // The same, deduplicated by `key` (empty: not deduplicated): a key seen within the window
  // gets the id of its first publish and publishes nothing.
  void PublishOnce(Shard& from, const std::string& key, backbone::PublishRequest request,
                   PublishDone done);
  Admission& admission() { return admission_; }

  const std::string& epoch() const { return epoch_; }
  const NodeOptions& options() const { return options_; }
  // The per-topic policies in force (any thread); SetPolicies replaces them (SIGHUP).
  std::shared_ptr<const core::PolicySet> policies() const { return policies_.load(); }
  void SetPolicies(core::PolicySet policies);
  core::StateTable& state() { return state_; }
  core::History& history() { return history_; }
  size_t shard_count() const { return shards_.size(); }
  Shard& shard(size_t i) { return *shards_[i]; }
  bool ready() const { return ready_.load(std::memory_order_relaxed); }
  // Why publishes are refused now (e.g. "storage unavailable: ..."), or empty.
  std::string UnavailableReason() const { return backbone_.UnavailableReason(); }
  bool AcceptingConnections() const;
  // Client connections open now, all protocols.
  int64_t client_count() const { return clients_.load(std::memory_order_relaxed); }
  void OnClientCountChange(int delta);
  // A shard gained its first subscriber of `filter`, or lost its last (any loop thread).
  void AddInterest(std::string_view filter, int shard_index);
  void RemoveInterest(std::string_view filter, int shard_index);

  // Prometheus text for /metrics.
  std::string RenderMetrics() const;

 private:
  void OnEvent(std::shared_ptr<core::Event> event);
  bool Overloaded() const;

  NodeOptions options_;
  backbone::Backbone& backbone_;
  std::string epoch_;
  core::StateTable state_;
  core::History history_;
  std::vector<std::unique_ptr<net::EventLoop>> loops_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::unique_ptr<net::Listener>> listeners_;  // one per loop, used on its loop
  std::vector<std::thread> threads_;
  std::atomic<int64_t> clients_{0};
  uint64_t state_restored_through_ = 0;  // set before the backbone starts; read by OnEvent
  Admission admission_;
  std::atomic<std::shared_ptr<const core::PolicySet>> policies_;
  PublishDedup dedup_;
  // Which shards have a subscriber for which filters: an event is posted only to the loops
  // that can deliver it (subscriber ids here are shard indexes).
  mutable std::shared_mutex interest_mutex_;
  core::TopicTree interest_;                    // HERALD_GUARDED_BY(interest_mutex_)
  std::vector<core::SubscriberId> interested_;  // OnEvent's scratch; the backbone serializes it
  std::atomic<uint64_t> events_in_{0};
  std::atomic<bool> ready_{false};
};

}  // namespace herald::node
