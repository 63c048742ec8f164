// Topic validation and matching: FilterMatches runs per (filter, row) in state and history
// queries; TopicTree::Match runs once per event per shard.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/topic.h"
#include "core/topic_tree.h"
#include "inputs.h"

namespace herald::bench {
namespace {

void BM_TopicError(benchmark::State& state, std::string topic) {
  for (auto _ : state) {
    auto error = core::TopicError(topic);
    benchmark::DoNotOptimize(error);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(topic.size()));
}
BENCHMARK_CAPTURE(BM_TopicError, valid_3_levels, std::string("scores/nba/game-123"));
BENCHMARK_CAPTURE(BM_TopicError, valid_8_levels,
                  std::string("tenants/acme/sites/berlin/floors/3/sensors/temp-17"));
BENCHMARK_CAPTURE(BM_TopicError, invalid_plus, std::string("scores/+/game-123"));

void BM_FilterMatches(benchmark::State& state, std::string filter, std::string topic) {
  bool matched = false;
  for (auto _ : state) {
    matched = core::FilterMatches(filter, topic);
    benchmark::DoNotOptimize(matched);
  }
  state.SetLabel(matched ? "match" : "no match");
}
BENCHMARK_CAPTURE(BM_FilterMatches, exact, std::string("scores/nba/game-123"),
                  std::string("scores/nba/game-123"));
BENCHMARK_CAPTURE(BM_FilterMatches, exact_differs_last, std::string("scores/nba/game-124"),
                  std::string("scores/nba/game-123"));
BENCHMARK_CAPTURE(BM_FilterMatches, plus, std::string("scores/+/game-123"),
                  std::string("scores/nba/game-123"));
BENCHMARK_CAPTURE(BM_FilterMatches, hash, std::string("scores/#"),
                  std::string("scores/nba/game-123"));
BENCHMARK_CAPTURE(BM_FilterMatches, other_root, std::string("quotes/+"),
                  std::string("scores/nba/game-123"));

// A shard's tree with `n` subscriptions, one per subscriber, over n/10 game topics:
// 80% exact topics, 15% "scores/<league>/+", 5% "scores/<league>/#" (8 leagues).
// An event on one game therefore matches ~10 exact subscribers plus 2.5% of `n` wildcards.
void FillTree(core::TopicTree& tree, size_t n) {
  size_t games = n / 10 + 1;
  for (size_t i = 0; i < n; ++i) {
    size_t kind = i % 20;
    std::string filter;
    if (kind < 16) {
      filter = GameTopic((i * 7919) % games);
    } else if (kind < 19) {
      filter = "scores/" + std::string(League(i / 20)) + "/+";
    } else {
      filter = "scores/" + std::string(League(i / 20)) + "/#";
    }
    tree.Subscribe(filter, i + 1);
  }
}

void BM_TopicTreeMatch(benchmark::State& state, bool subscribed_topic) {
  size_t n = static_cast<size_t>(state.range(0));
  core::TopicTree tree;
  FillTree(tree, n);
  // Game 0 has exact subscribers (when n > 0); "quotes/AAPL" has none and no wildcard reaches it.
  std::string topic = subscribed_topic ? GameTopic(0) : "quotes/AAPL";
  std::vector<core::SubscriberId> matches;
  for (auto _ : state) {
    matches.clear();
    tree.Match(topic, matches);
    benchmark::DoNotOptimize(matches.data());
  }
  state.counters["matches"] = static_cast<double>(matches.size());
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(matches.size()));
}
BENCHMARK_CAPTURE(BM_TopicTreeMatch, game_topic, true)->Arg(1)->Arg(1000)->Arg(100'000);
BENCHMARK_CAPTURE(BM_TopicTreeMatch, unsubscribed_topic, false)->Arg(1)->Arg(1000)->Arg(100'000);

// The shape of the many-topics workloads (C, Q, I): N sibling topics "bench/t-<i>" with one
// subscriber each; an event for one of them, a different one each time.
void BM_TopicTreeMatchSiblings(benchmark::State& state) {
  size_t n = static_cast<size_t>(state.range(0));
  core::TopicTree tree;
  std::vector<std::string> topics;
  for (size_t i = 0; i < n; ++i) {
    topics.push_back("bench/t-" + std::to_string(i));
    tree.Subscribe(topics.back(), i + 1);
  }
  std::vector<core::SubscriberId> matches;
  size_t next = 0;
  for (auto _ : state) {
    matches.clear();
    tree.Match(topics[next], matches);
    benchmark::DoNotOptimize(matches.data());
    next = next + 7919 < n ? next + 7919 : (next + 7919) % n;
  }
  state.counters["matches"] = static_cast<double>(matches.size());
}
BENCHMARK(BM_TopicTreeMatchSiblings)->Arg(1000)->Arg(10'000);

void BM_TopicTreeSubscribeUnsubscribe(benchmark::State& state) {
  core::TopicTree tree;
  FillTree(tree, static_cast<size_t>(state.range(0)));
  const std::string filter = "scores/nba/game-999999";
  for (auto _ : state) {
    benchmark::DoNotOptimize(tree.Subscribe(filter, 0));
    benchmark::DoNotOptimize(tree.Unsubscribe(filter, 0));
  }
}
BENCHMARK(BM_TopicTreeSubscribeUnsubscribe)->Arg(1000)->Arg(100'000);

}  // namespace
}  // namespace herald::bench
