// The fan-out path: per event a shard matches subscribers and builds each wire format once
// (FrameCache miss); per subscriber it looks the client up and shares the frame (FrameCache hit).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "backbone/local_backbone.h"
#include "inputs.h"
#include "node/frame_cache.h"
#include "node/node.h"
#include "node/shard.h"
#include "session/sse_session.h"
#include "session/websocket_session.h"

namespace herald::bench {
namespace {

using node::FrameFormat;

void BM_FrameCacheGetHit(benchmark::State& state) {
  node::FrameCache cache;
  core::EventPtr event = MakeEvent("scores/nba/game-123", JsonPayload(64), 1);
  cache.Get(event, FrameFormat::kWebSocketJson, &session::WebSocketSession::Encode);
  for (auto _ : state) {
    const core::SharedBytes& frame =
        cache.Get(event, FrameFormat::kWebSocketJson, &session::WebSocketSession::Encode);
    benchmark::DoNotOptimize(frame.get());
  }
}
BENCHMARK(BM_FrameCacheGetHit);

// Every Get is a new event: the encode (envelope, frame, shared allocation) is the cost.
void MissLoop(benchmark::State& state, FrameFormat format, node::FrameCache::Encoder encode) {
  node::FrameCache cache;
  size_t bytes = static_cast<size_t>(state.range(0));
  core::EventPtr events[2] = {MakeEvent("scores/nba/game-123", JsonPayload(bytes), 1),
                              MakeEvent("scores/nba/game-123", JsonPayload(bytes), 2)};
  size_t i = 0;
  for (auto _ : state) {
    const core::SharedBytes& frame = cache.Get(events[i ^= 1], format, encode);
    benchmark::DoNotOptimize(frame.get());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
}

void BM_FrameCacheGetMissWs(benchmark::State& state) {
  MissLoop(state, FrameFormat::kWebSocketJson, &session::WebSocketSession::Encode);
}
BENCHMARK(BM_FrameCacheGetMissWs)->Arg(64)->Arg(1024);

void BM_FrameCacheGetMissSse(benchmark::State& state) {
  MissLoop(state, FrameFormat::kSse, &session::SseSession::Encode);
}
BENCHMARK(BM_FrameCacheGetMissSse)->Arg(64)->Arg(1024);

// Stands in for a WebSocket session: what StreamingSession::OnEvent does per delivery, minus
// the socket (a queued frame is a shared reference, as in Connection::Enqueue).
class FakeWsClient final : public node::Client {
 public:
  explicit FakeWsClient(node::Shard& shard) : shard_(shard) {}
  void OnEvent(const core::EventPtr& event) override {
    shard_.metrics().deliveries.Add(1);
    const core::SharedBytes& frame =
        shard_.frames().Get(event, FrameFormat::kWebSocketJson, &session::WebSocketSession::Encode);
    queued_bytes_ += frame->size();
    last_frame_ = frame;
  }
  void OnTick(int64_t) override {}

 private:
  node::Shard& shard_;
  core::SharedBytes last_frame_;
  size_t queued_bytes_ = 0;
};

// Shard::Deliver of one event to `n` WebSocket subscribers on one loop (all match:
// 80% "scores/nba/game-123", 15% "scores/nba/+", 5% "scores/#"). Alternates two events so
// each delivery encodes once, as a live stream does.
void BM_ShardDeliver(benchmark::State& state) {
  size_t n = static_cast<size_t>(state.range(0));
  backbone::LocalBackbone backbone;
  node::NodeOptions options;
  options.threads = 1;
  node::Node node(options, backbone);  // not started: no threads, this thread is the loop
  node::Shard& shard = node.shard(0);
  for (size_t i = 0; i < n; ++i) {
    core::SubscriberId id = shard.Adopt(std::make_unique<FakeWsClient>(shard));
    size_t kind = i % 20;
    shard.Subscribe(id, kind < 16   ? "scores/nba/game-123"
                        : kind < 19 ? "scores/nba/+"
                                    : "scores/#");
  }
  core::EventPtr events[2] = {MakeEvent("scores/nba/game-123", JsonPayload(64), 1),
                              MakeEvent("scores/nba/game-123", JsonPayload(64), 2)};
  size_t i = 0;
  for (auto _ : state) shard.Deliver(events[i ^= 1]);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));  // deliveries
}
BENCHMARK(BM_ShardDeliver)->Arg(1)->Arg(100)->Arg(10'000);

}  // namespace
}  // namespace herald::bench
