// The JSON envelope: built once per event per format (frame cache), and client messages parsed
// once per message received.
#include <benchmark/benchmark.h>

#include <string>

#include "inputs.h"
#include "proto/json/client_message.h"
#include "proto/json/envelope.h"
#include "proto/json/payload.h"

namespace herald::bench {
namespace {

// kHugeNumber: JSON with a number simdjson cannot hold (1e400), which takes IsJson's second look.
enum class PayloadKind { kJson, kText, kBinary, kHugeNumber };

std::string Payload(PayloadKind kind, size_t bytes) {
  switch (kind) {
    case PayloadKind::kJson:
      return JsonPayload(bytes);
    case PayloadKind::kText:
      return TextPayload(bytes);
    case PayloadKind::kBinary:
      return BinaryPayload(bytes);
    case PayloadKind::kHugeNumber: {
      std::string json = JsonPayload(bytes - 2);
      return json.replace(json.find("102"), 3, "1e400");
    }
  }
  return {};
}

// Fails the benchmark when the input is not the kind it claims to be.
bool CheckKind(benchmark::State& state, PayloadKind kind, const std::string& payload) {
  bool json = kind == PayloadKind::kJson || kind == PayloadKind::kHugeNumber;
  if (json != proto::json::IsJson(payload)) {
    state.SkipWithError("payload kind and IsJson disagree");
    return false;
  }
  return true;
}

core::EventPtr GameEvent(benchmark::State& state, PayloadKind kind) {
  return MakeEvent("scores/nba/game-123", Payload(kind, static_cast<size_t>(state.range(0))),
                   123456);
}

void BM_JsonWsEventMessage(benchmark::State& state, PayloadKind kind) {
  core::EventPtr event = GameEvent(state, kind);
  if (!CheckKind(state, kind, event->payload)) return;
  for (auto _ : state) {
    std::string message = proto::json::WsEventMessage(*event);
    benchmark::DoNotOptimize(message.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(event->payload.size()));
}
BENCHMARK_CAPTURE(BM_JsonWsEventMessage, json, PayloadKind::kJson)->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(BM_JsonWsEventMessage, text, PayloadKind::kText)->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(BM_JsonWsEventMessage, binary, PayloadKind::kBinary)->Arg(64)->Arg(1024);

void BM_JsonEventObject(benchmark::State& state, PayloadKind kind) {
  core::EventPtr event = GameEvent(state, kind);
  if (!CheckKind(state, kind, event->payload)) return;
  for (auto _ : state) {
    std::string object = proto::json::EventObject(*event);
    benchmark::DoNotOptimize(object.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(event->payload.size()));
}
BENCHMARK_CAPTURE(BM_JsonEventObject, json, PayloadKind::kJson)->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(BM_JsonEventObject, text, PayloadKind::kText)->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(BM_JsonEventObject, binary, PayloadKind::kBinary)->Arg(64)->Arg(1024);

void BM_JsonAppendPayloadField(benchmark::State& state, PayloadKind kind) {
  std::string payload = Payload(kind, static_cast<size_t>(state.range(0)));
  if (!CheckKind(state, kind, payload)) return;
  std::string out;
  for (auto _ : state) {
    out.clear();  // keeps its capacity, so this measures the field, not the allocation
    proto::json::AppendPayloadField(out, payload);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(payload.size()));
}
BENCHMARK_CAPTURE(BM_JsonAppendPayloadField, json, PayloadKind::kJson)->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(BM_JsonAppendPayloadField, text, PayloadKind::kText)->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(BM_JsonAppendPayloadField, binary, PayloadKind::kBinary)->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(BM_JsonAppendPayloadField, huge_number, PayloadKind::kHugeNumber)
    ->Arg(64)
    ->Arg(1024);

void ParseLoop(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    auto message = proto::json::ParseClientMessage(text);
    if (!message) {
      state.SkipWithError(message.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(message.value().payload.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}

void BM_JsonParseSubscribe(benchmark::State& state) {
  ParseLoop(
      state,
      R"({"type":"subscribe","topics":["scores/nba/#","quotes/AAPL"],"since":"Xk3Jd9_q2LmA:41"})");
}
BENCHMARK(BM_JsonParseSubscribe);

void BM_JsonParsePublish(benchmark::State& state) {
  ParseLoop(state, R"({"type":"publish","topic":"scores/nba/game-123","data":)" +
                       JsonPayload(static_cast<size_t>(state.range(0))) + R"(,"ref":"r1"})");
}
BENCHMARK(BM_JsonParsePublish)->Arg(64)->Arg(1024);

}  // namespace
}  // namespace herald::bench
