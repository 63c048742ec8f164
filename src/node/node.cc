#include "node/node.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>

#include "core/clock.h"
#include "core/event_id.h"

namespace herald::node {

Node::Node(NodeOptions options, backbone::Backbone& backbone)
    : options_(std::move(options)),
      backbone_(backbone),
      epoch_(backbone.epoch()),
      history_(options_.history, std::make_shared<const core::PolicySet>(options_.policies)),
      admission_(options_.max_connections_per_ip),
      policies_(std::make_shared<const core::PolicySet>(options_.policies)),
      dedup_(options_.dedup_window_ms, options_.dedup_max_keys) {
  size_t threads = options_.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < threads; ++i) {
    loops_.push_back(std::make_unique<net::EventLoop>(static_cast<int>(i)));
    loops_.back()->set_write_delay_ms(options_.write_delay_ms);
    loops_.back()->set_busy_write_delay_ms(options_.busy_write_delay_ms);
    if (options_.io_uring) loops_.back()->EnableIoUring();
    if (options_.park_idle_loops && i > 0) loops_.back()->set_host(loops_.front().get());
    shards_.push_back(std::make_unique<Shard>(*this, *loops_.back()));
  }
  // A restored snapshot gives the state as of its seq; the replay that follows rebuilds history
  // from the log and applies to the state only the events after that seq.
  backbone::RestoredState restored = backbone_.TakeRestoredState();
  for (auto& row : restored.rows) {
    row->edge_time = core::WallClockMs();
    state_.Apply(std::move(row));
  }
  state_.AdvanceTo(restored.seq);
  state_restored_through_ = restored.seq;
  backbone_.Start([this](std::shared_ptr<core::Event> event) { OnEvent(std::move(event)); });
}

Node::~Node() {
  Stop();
  // Clients (and their sockets) go before the loops they are registered with.
  listeners_.clear();
  shards_.clear();
}

core::Result<net::Endpoint> Node::Listen(const net::Endpoint& endpoint, AcceptFn on_accept) {
  if (auto unused = net::Listener::CheckUnused(endpoint); !unused) return unused.error();
  net::Endpoint bound = endpoint;
  for (size_t i = 0; i < loops_.size(); ++i) {
    Shard* shard = shards_[i].get();
    auto listener = net::Listener::Open(
        *loops_[i], bound, options_.listen_backlog,
        [shard, on_accept](int fd, const net::Endpoint& peer) { on_accept(*shard, fd, peer); });
    if (!listener) return listener.error();
    // Port 0: every other loop binds the port the kernel chose for the first.
    bound = listener.value()->local();
    listeners_.push_back(std::move(listener.value()));
  }
  return bound;
}

void Node::Start() {
  for (size_t i = 0; i < loops_.size(); ++i) {
    net::EventLoop* loop = loops_[i].get();
    Shard* shard = shards_[i].get();
    net::Listener* listener = i < listeners_.size() ? listeners_[i].get() : nullptr;
    core::History* history = &history_;
    loop->SetTick(options_.tick_ms, [loop, shard, listener, history, i] {
      shard->Tick();
      if (listener) listener->OnTick();
      if (i == 0) history->EvictExpired(core::WallClockMs());
    });
    threads_.emplace_back([loop] { loop->Run(); });
  }
  ready_.store(true);
}

void Node::Drain() {
  ready_.store(false);
  for (size_t i = 0; i < loops_.size(); ++i) {
    Shard* shard = shards_[i].get();
    net::Listener* listener = i < listeners_.size() ? listeners_[i].get() : nullptr;
    loops_[i]->Post([shard, listener] {
      if (listener) listener->Close();
      shard->Shutdown();
    });
  }
}

void Node::Stop() {
  ready_.store(false);
  for (auto& loop : loops_) loop->Stop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

bool Node::Overloaded() const {
  for (const auto& loop : loops_) {
    if (loop->pending_tasks() > options_.max_pending_events) return true;
  }
  return false;
}

void Node::Publish(Shard& from, backbone::PublishRequest request, PublishDone done) {
  if (Overloaded()) {
    done(core::Error{"overloaded", "the node is not keeping up with deliveries; retry shortly"});
    return;
  }
  net::EventLoop* loop = &from.loop();
  backbone_.Publish(std::move(request), [loop, done = std::move(done)](
                                            core::Result<backbone::PublishAck> result) {
    if (loop->InLoopThread()) {
      done(std::move(result));
    } else {
      loop->Post([done, result = std::move(result)]() mutable { done(std::move(result)); });
    }
  });
}

void Node::PublishOnce(Shard& from, const std::string& key, backbone::PublishRequest request,
                       PublishDone done) {
  if (key.empty()) return Publish(from, std::move(request), std::move(done));
  int64_t now = core::WallClockMs();
  if (auto id = dedup_.Find(key, now)) {
    auto parsed = core::ParseEventId(*id);
    done(backbone::PublishAck{parsed->epoch, parsed->seq});
    return;
  }
  Publish(from, std::move(request),
          [this, key, done = std::move(done)](core::Result<backbone::PublishAck> result) {
            if (result) {
              dedup_.Remember(key, core::FormatEventId(result->epoch, result->seq),
                              core::WallClockMs());
            }
            done(std::move(result));
          });
}

void Node::OnEvent(std::shared_ptr<core::Event> event) {
  event->edge_time = core::WallClockMs();
  core::EventPtr shared = std::move(event);
  if (shared->seq > state_restored_through_) state_.Apply(shared);
  history_.Append(shared, shared->edge_time);
  events_in_.fetch_add(1, std::memory_order_relaxed);
  {
    std::shared_lock lock(interest_mutex_);
    interested_.clear();
    interest_.Match(shared->topic, interested_);
  }
  for (core::SubscriberId index : interested_) {
    Shard* target = shards_[index].get();
    target->loop().Post([target, shared] { target->Deliver(shared); });
  }
}

bool Node::AcceptingConnections() const {
  return clients_.load(std::memory_order_relaxed) < static_cast<int64_t>(options_.max_connections);
}

void Node::AddInterest(std::string_view filter, int shard_index) {
  std::unique_lock lock(interest_mutex_);
  interest_.Subscribe(filter, static_cast<core::SubscriberId>(shard_index));
}

void Node::RemoveInterest(std::string_view filter, int shard_index) {
  std::unique_lock lock(interest_mutex_);
  interest_.Unsubscribe(filter, static_cast<core::SubscriberId>(shard_index));
}

void Node::SetPolicies(core::PolicySet policies) {
  auto shared = std::make_shared<const core::PolicySet>(std::move(policies));
  history_.SetPolicies(shared);
  policies_.store(std::move(shared));
}

void Node::OnClientCountChange(int delta) { clients_.fetch_add(delta, std::memory_order_relaxed); }

std::string Node::RenderMetrics() const {
  std::vector<const telemetry::ShardMetrics*> shard_metrics;
  telemetry::NodeGauges gauges;
  for (const auto& shard : shards_) shard_metrics.push_back(&shard->metrics());
  for (const auto& loop : loops_) {
    gauges.bytes_out += loop->stats().bytes_written.Get();
    gauges.accept_pauses += loop->stats().accept_pauses.Get();
    gauges.loop_parks += loop->stats().parks.Get();
    gauges.loops_parked += loop->parked() ? 1 : 0;
    gauges.loops_busy += loop->busy() ? 1 : 0;
    gauges.loops_holding_writes += loop->busy_hold_ms() > 0 ? 1 : 0;
  }
  gauges.events_in = events_in_.load();
  gauges.history_events = history_.size();
  gauges.state_rows = state_.size();
  gauges.last_seq = history_.last_seq();
  return telemetry::RenderPrometheus(shard_metrics, gauges);
}

}  // namespace herald::node
