// Fuzzes the durable log's record decoder as recovery reads a segment: records one after another
// until a torn or corrupt one. Every record accepted must re-encode to exactly its own bytes
// (the encoding is canonical), a record cut short must read as torn, and nothing may crash.
// The input also seeds one event that must survive an encode-decode round trip.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "backbone/log_format.h"

namespace {

using herald::backbone::log_format::AppendEventRecord;
using herald::backbone::log_format::DecodeRecord;
using herald::backbone::log_format::DecodeResult;
using herald::backbone::log_format::EventRecord;
using herald::backbone::log_format::kHeaderBytes;
using herald::backbone::log_format::ParseEventBody;

void Require(bool condition) {
  if (!condition) std::abort();
}

uint64_t Take(std::string_view& in, size_t bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes && !in.empty(); ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(in.front())) << (8 * i);
    in.remove_prefix(1);
  }
  return value;
}

void ScanAsSegment(std::string_view input) {
  size_t offset = 0;
  while (offset < input.size()) {
    std::string_view rest = input.substr(offset);
    DecodeResult decoded = DecodeRecord(rest);
    if (decoded.kind == DecodeResult::Kind::kCorrupt) {
      Require(!decoded.reason.empty());
      return;
    }
    if (decoded.kind == DecodeResult::Kind::kNeedMore) return;
    Require(decoded.consumed >= kHeaderBytes && decoded.consumed <= rest.size());
    Require(decoded.body.size() == decoded.consumed - kHeaderBytes);
    Require(DecodeRecord(rest.substr(0, decoded.consumed - 1)).kind ==
            DecodeResult::Kind::kNeedMore);
    auto event = ParseEventBody(decoded.body);
    if (event.ok()) {
      std::string again;
      AppendEventRecord(event.value(), again);
      Require(again == rest.substr(0, decoded.consumed));
    } else {
      Require(event.error().code == "corruption" && !event.error().message.empty());
    }
    offset += decoded.consumed;
  }
}

void RoundTrip(std::string_view input) {
  EventRecord event;
  event.seq = Take(input, 8) | 1;  // seq 0 is never written
  event.publish_time = static_cast<int64_t>(Take(input, 8));
  event.origin_time = static_cast<int64_t>(Take(input, 8));
  event.retain = (Take(input, 1) & 1) != 0;
  size_t topic_len = static_cast<size_t>(Take(input, 1)) % (input.size() + 1);
  event.topic.assign(input.substr(0, topic_len));
  event.payload.assign(input.substr(topic_len));
  std::string bytes;
  AppendEventRecord(event, bytes);
  DecodeResult decoded = DecodeRecord(bytes);
  Require(decoded.kind == DecodeResult::Kind::kRecord && decoded.consumed == bytes.size());
  auto parsed = ParseEventBody(decoded.body);
  Require(parsed.ok() && parsed.value() == event);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ScanAsSegment(input);
  RoundTrip(input);
  return 0;
}
