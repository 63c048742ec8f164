// Per-event bookkeeping on the node's delivery path (StateTable::Apply, History::Append: once
// per event per node) and the reads a subscribe or a REST GET makes (Query, After).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "core/history.h"
#include "core/state_table.h"
#include "inputs.h"

namespace herald::bench {
namespace {

constexpr core::UnixMillis kNow = 1'732'700'000'000;

// `n` events on `topics` distinct game topics, seq first_seq.., 64 B JSON payloads.
std::vector<core::EventPtr> GameEvents(size_t n, size_t topics, uint64_t first_seq) {
  std::vector<core::EventPtr> events;
  events.reserve(n);
  std::string payload = JsonPayload(64);
  for (size_t i = 0; i < n; ++i) {
    events.push_back(MakeEvent(GameTopic(i % topics), payload, first_seq + i, kNow));
  }
  return events;
}

// Updates of existing rows, visiting every row in turn (hash table larger than cache at 100k).
void BM_StateTableApply(benchmark::State& state) {
  size_t rows = static_cast<size_t>(state.range(0));
  core::StateTable table;
  for (const auto& event : GameEvents(rows, rows, 1)) table.Apply(event);
  std::vector<core::EventPtr> updates = GameEvents(rows, rows, rows + 1);
  size_t i = 0;
  for (auto _ : state) {
    table.Apply(updates[i]);
    if (++i == updates.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StateTableApply)->Arg(1000)->Arg(100'000);

void QueryLoop(benchmark::State& state, const std::vector<std::string>& filters) {
  size_t rows = static_cast<size_t>(state.range(0));
  core::StateTable table;
  for (const auto& event : GameEvents(rows, rows, 1)) table.Apply(event);
  size_t returned = 0;
  for (auto _ : state) {
    core::StateTable::Snapshot snapshot = table.Query(filters);
    returned = snapshot.rows.size();
    benchmark::DoNotOptimize(snapshot.fingerprint);
  }
  state.counters["rows_returned"] = static_cast<double>(returned);
}

// A REST GET of one topic: a hash lookup.
void BM_StateTableQueryExact(benchmark::State& state) { QueryLoop(state, {GameTopic(8)}); }
BENCHMARK(BM_StateTableQueryExact)->Arg(1000)->Arg(100'000);

// A subscribe to "scores/nba/+": scans every row with FilterMatches; 1/8 of them match.
void BM_StateTableQueryWildcard(benchmark::State& state) {
  QueryLoop(state, {"scores/nba/+"});
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_StateTableQueryWildcard)->Arg(1000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

// Appends at steady state: the log is full (100k events, the default) and each append evicts
// the oldest. Events over 1k topics. The pool is reused: a new History is filled (untimed)
// whenever the pool runs out.
void BM_HistoryAppend(benchmark::State& state) {
  core::HistoryLimits limits;  // defaults: 100k events, 1k per topic, 1 h
  const size_t full = limits.max_events;
  std::vector<core::EventPtr> pool = GameEvents(3 * full, 1000, 1);
  std::unique_ptr<core::History> history;
  size_t i = pool.size();
  for (auto _ : state) {
    if (i == pool.size()) {
      state.PauseTiming();
      history = std::make_unique<core::History>(limits);
      for (i = 0; i < full; ++i) history->Append(pool[i], kNow);
      state.ResumeTiming();
    }
    history->Append(pool[i++], kNow);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistoryAppend);

// A client reconnecting after missing the last 1000 events of a full 100k log (1k topics).
void AfterLoop(benchmark::State& state, const std::vector<std::string>& filters) {
  core::HistoryLimits limits;
  core::History history(limits);
  for (const auto& event : GameEvents(limits.max_events, 1000, 1)) history.Append(event, kNow);
  const uint64_t since = history.last_seq() - 1000;
  size_t returned = 0;
  for (auto _ : state) {
    core::History::Page page = history.After(filters, since, 100'000);  // max_state_rows
    returned = page.items.size();
    benchmark::DoNotOptimize(page.items.data());
  }
  state.counters["events_returned"] = static_cast<double>(returned);
  state.SetItemsProcessed(state.iterations() * 1000);  // events scanned
}

void BM_HistoryAfterExact(benchmark::State& state) { AfterLoop(state, {GameTopic(8)}); }
BENCHMARK(BM_HistoryAfterExact)->Unit(benchmark::kMicrosecond);

void BM_HistoryAfterWildcard(benchmark::State& state) { AfterLoop(state, {"scores/nba/#"}); }
BENCHMARK(BM_HistoryAfterWildcard)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace herald::bench
