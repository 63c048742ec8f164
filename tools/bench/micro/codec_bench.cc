// Wire codecs: WebSocket framing (per event, shared by every subscriber through the frame
// cache), decoding of client frames and HTTP requests (per publish), SSE event encoding.
#include <benchmark/benchmark.h>

#include <string>

#include "inputs.h"
#include "proto/http/request.h"
#include "proto/sse/encoder.h"
#include "proto/ws/codec.h"

namespace herald::bench {
namespace {

namespace ws = proto::ws;
namespace http = proto::http;

constexpr uint32_t kMaskKey = 0x37fa213d;

void BM_WsEncodeFrameHeader(benchmark::State& state) {
  size_t bytes = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    std::string header = ws::EncodeFrameHeader(ws::Opcode::kText, bytes);
    benchmark::DoNotOptimize(header.data());
  }
}
BENCHMARK(BM_WsEncodeFrameHeader)->Arg(64)->Arg(1024)->Arg(64 * 1024);

void BM_WsEncodeFrame(benchmark::State& state) {
  std::string payload = JsonPayload(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    std::string frame = ws::EncodeFrame(ws::Opcode::kText, payload);
    benchmark::DoNotOptimize(frame.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(payload.size()));
}
BENCHMARK(BM_WsEncodeFrame)->Arg(64)->Arg(1024)->Arg(64 * 1024);

// A browser's publish: one masked text frame holding a JSON message (UTF-8 validated on decode).
void BM_WsDecodeMaskedText(benchmark::State& state) {
  std::string payload = JsonPayload(static_cast<size_t>(state.range(0)));
  std::string frame = ws::EncodeMaskedFrame(ws::Opcode::kText, payload, kMaskKey);
  ws::Decoder decoder(ws::Role::kServer, ws::DecoderLimits{});
  ws::Message message;
  for (auto _ : state) {
    ws::DecodeResult result = decoder.Decode(frame, message);
    if (result.kind != ws::DecodeResult::Kind::kMessage) {
      state.SkipWithError("decode did not return a message");
      break;
    }
    benchmark::DoNotOptimize(message.payload.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(frame.size()));
}
BENCHMARK(BM_WsDecodeMaskedText)->Arg(64)->Arg(1024)->Arg(64 * 1024);

void BM_WsDecodeMaskedBinary(benchmark::State& state) {
  std::string payload = BinaryPayload(static_cast<size_t>(state.range(0)));
  std::string frame = ws::EncodeMaskedFrame(ws::Opcode::kBinary, payload, kMaskKey);
  ws::Decoder decoder(ws::Role::kServer, ws::DecoderLimits{});
  ws::Message message;
  for (auto _ : state) {
    ws::DecodeResult result = decoder.Decode(frame, message);
    if (result.kind != ws::DecodeResult::Kind::kMessage) {
      state.SkipWithError("decode did not return a message");
      break;
    }
    benchmark::DoNotOptimize(message.payload.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(frame.size()));
}
BENCHMARK(BM_WsDecodeMaskedBinary)->Arg(1024)->Arg(64 * 1024);

void ParseLoop(benchmark::State& state, const std::string& request) {
  http::RequestLimits limits;
  for (auto _ : state) {
    http::ParseResult result = http::ParseRequest(request, limits);
    if (result.kind != http::ParseResult::Kind::kRequest) {
      state.SkipWithError("request did not parse");
      break;
    }
    benchmark::DoNotOptimize(result.request.body.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(request.size()));
}

// What curl or a backend service sends to publish one score update (64 B JSON body).
void BM_HttpParseRestPublish(benchmark::State& state) {
  std::string body = JsonPayload(64);
  std::string request =
      "POST /api/publish/scores/nba/game-123 HTTP/1.1\r\n"
      "Host: herald.example.com\r\n"
      "User-Agent: scores-ingest/2.4 (+https://example.com)\r\n"
      "Accept: */*\r\n"
      "Content-Type: application/json\r\n"
      "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpbmdlc3QifQ.c2lnbmF0dXJl\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  ParseLoop(state, request);
}
BENCHMARK(BM_HttpParseRestPublish);

// A browser's GET of a state row: 10 headers as Chrome sends them.
void BM_HttpParseGet10Headers(benchmark::State& state) {
  std::string request =
      "GET /api/state/scores/nba/game-123 HTTP/1.1\r\n"
      "Host: herald.example.com\r\n"
      "Connection: keep-alive\r\n"
      "sec-ch-ua: \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"\r\n"
      "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/131.0.0.0 Safari/537.36\r\n"
      "Accept: application/json, text/plain, */*\r\n"
      "Referer: https://www.example.com/live/nba\r\n"
      "Accept-Encoding: gzip, deflate, br, zstd\r\n"
      "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n"
      "Cookie: session=7f3a9c2e41b84d0f; theme=dark\r\n"
      "If-None-Match: \"9f86d081884c7d65\"\r\n"
      "\r\n";
  ParseLoop(state, request);
}
BENCHMARK(BM_HttpParseGet10Headers);

void BM_SseEncodeEvent(benchmark::State& state) {
  // The data line is an event object, as SseSession::Encode passes it.
  std::string data = R"({"topic":"scores/nba/game-123","id":"Xk3Jd9_q2LmA:123456","data":)" +
                     JsonPayload(static_cast<size_t>(state.range(0))) + "}";
  const std::string id = "Xk3Jd9_q2LmA:123456";
  for (auto _ : state) {
    std::string event = proto::sse::EncodeEvent(id, "", data);
    benchmark::DoNotOptimize(event.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_SseEncodeEvent)->Arg(64)->Arg(1024);

}  // namespace
}  // namespace herald::bench
