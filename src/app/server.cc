#include "app/server.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "app/demo_feed.h"
#include "app/snapshot_writer.h"
#include "app/static_files.h"
#include "backbone/durable_backbone.h"
#include "backbone/local_backbone.h"
#include "net/endpoint.h"
#include "node/node.h"
#include "session/http_session.h"

namespace herald::app {
namespace {

// A node serves one socket per client: take every descriptor the hard limit allows.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("could not raise the open-file limit from {}", before);
    return;
  }
  spdlog::info("open-file limit {} (hard limit; raise it with systemd LimitNOFILE)",
               limit.rlim_cur);
}

// Applies what SIGHUP may change without a restart: the log level, and each loop's session
// limits and timeouts (copied on the loop's own thread, so sessions never see a torn value).
void ApplyReload(const Config& running, const Config& fresh, node::Node& node,
                 std::vector<std::unique_ptr<session::SessionConfig>>& loop_configs) {
  spdlog::set_level(spdlog::level::from_str(fresh.log_level));
  node.SetPolicies(fresh.node.policies);
  for (size_t i = 0; i < node.shard_count(); ++i) {
    session::SessionConfig* target = loop_configs[i].get();
    session::SessionConfig update = fresh.session;
    update.static_files = target->static_files;
    node.shard(i).loop().Post([target, update] { *target = update; });
  }
  if (fresh.listen != running.listen || fresh.data_dir != running.data_dir ||
      fresh.node.threads != running.node.threads ||
      fresh.node.history.max_events != running.node.history.max_events ||
      fresh.node.history.max_events_per_topic != running.node.history.max_events_per_topic ||
      fresh.node.history.max_age_ms != running.node.history.max_age_ms ||
      fresh.node.max_connections != running.node.max_connections ||
      fresh.node.max_connections_per_ip != running.node.max_connections_per_ip) {
    spdlog::warn(
        "SIGHUP: listen, data_dir, threads, history and connection limits take effect "
        "at the next start");
  }
  spdlog::info("SIGHUP: reloaded log level {}, {} policies and session limits on {} loops",
               fresh.log_level, fresh.node.policies.policies().size(), node.shard_count());
}

}  // namespace

int RunServer(Config config, bool demo, ConfigReloader reload) {
  // Signals are taken by sigwait on this thread only; every loop thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a peer that vanished is an EPIPE from writev, not a signal

  RaiseOpenFileLimit();
  config.session.static_files = &StaticFiles();
  auto endpoint = net::ParseEndpoint(config.listen);
  if (!endpoint) {
    spdlog::error("{}", endpoint.error().message);
    return 2;
  }

  std::unique_ptr<backbone::Backbone> backbone;
  backbone::DurableBackbone* durable = nullptr;
  if (config.data_dir.empty()) {
    backbone = std::make_unique<backbone::LocalBackbone>();
  } else {
    backbone::DurableBackboneOptions options;
    options.data_dir = config.data_dir;
    options.log.segment_bytes = static_cast<uint64_t>(config.log_segment_bytes);
    options.log.max_total_bytes = static_cast<uint64_t>(config.log_max_bytes);
    options.log.max_age = std::chrono::milliseconds(config.log_max_age_ms);
    options.log.max_events = static_cast<uint64_t>(config.log_max_events);
    options.replay_history_events = config.node.history.max_events;
    auto opened = backbone::DurableBackbone::Open(std::move(options));
    if (!opened) {
      spdlog::error("data dir {}: {}", config.data_dir, opened.error().message);
      return 1;
    }
    durable = opened.value().get();
    backbone = std::move(opened.value());
  }
  auto started = std::chrono::steady_clock::now();
  node::Node node(config.node, *backbone);
  std::unique_ptr<SnapshotWriter> snapshots;
  if (durable != nullptr) {
    // Retention never removes what a restart needs for the state: the segments after the last
    // state snapshot or, before there is one, the one holding the oldest current value.
    durable->SetRetentionFloor([&node, durable] {
      uint64_t snapshot = durable->snapshot_seq();
      return snapshot > 0 ? snapshot + 1 : node.state().OldestLiveSeq();
    });
    if (config.snapshot_interval_ms > 0) {
      snapshots = std::make_unique<SnapshotWriter>(node, *durable, config.snapshot_interval_ms);
    }
  }
  if (durable != nullptr) {
    spdlog::info("data dir {}: epoch {}, log replayed in {} ms", config.data_dir, node.epoch(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count());
  }
  // One copy of the session settings per loop: SIGHUP updates each on its own loop thread.
  std::vector<std::unique_ptr<session::SessionConfig>> loop_configs;
  for (size_t i = 0; i < node.shard_count(); ++i) {
    loop_configs.push_back(std::make_unique<session::SessionConfig>(config.session));
  }
  auto bound = node.Listen(
      endpoint.value(), [&loop_configs](node::Shard& shard, int fd, const net::Endpoint& peer) {
        session::HttpSession::Accept(
            shard, *loop_configs[static_cast<size_t>(shard.loop().index())], fd, peer);
      });
  if (!bound) {
    spdlog::error("{}", bound.error().message);
    return 1;
  }
  node.Start();
  spdlog::info("herald {} node {} epoch {} with {} loops listening on http://{}",
               demo ? "demo" : "serve", config.node.node_name, node.epoch(), node.shard_count(),
               bound->ToString());
  std::unique_ptr<DemoFeed> feed;
  if (demo) feed = std::make_unique<DemoFeed>(node, 250);

  while (true) {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (signal_number == SIGHUP) {
      if (auto fresh = reload()) {
        ApplyReload(config, *fresh, node, loop_configs);
      } else {
        spdlog::error("SIGHUP: the configuration has problems (above); keeping the running one");
      }
      continue;
    }
    spdlog::info("{}: draining", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    break;
  }
  feed.reset();
  node.Drain();
  // Clients got a close frame (WebSocket 1001) or a retry hint (SSE); wait until they are gone
  // or the deadline passes, then stop the loops.
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config.session.drain_timeout_ms);
  while (node.client_count() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (node.client_count() > 0) {
    spdlog::warn("drain deadline passed with {} connections open; closing them",
                 node.client_count());
  }
  // The committer hands events to the node: stop it (flushing what is queued) first.
  if (durable != nullptr) {
    durable->Stop();
    snapshots.reset();
    // A final snapshot: the next start loads it and applies only what follows to the state.
    SaveStateSnapshot(node, *durable);
  }
  node.Stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace herald::app
