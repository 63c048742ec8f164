#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/result.h"

// The durable log's record format (docs/log-format.md). Pure functions over bytes: no I/O.
//
//   record := length:u32  crc:u32  type:u8  body[length]
//
// little-endian; `length` counts the body only; `crc` is crc32c::Mask(CRC-32C of type + body).
// An event record's body:
//
//   seq:u64  publish_time:i64  origin_time:i64  flags:u8  topic_len:u16  topic  payload_len:u32
//   payload
//
// flags bit 0 is retain; other bits must be zero. The epoch is not stored per record: it belongs
// to the whole directory (its EPOCH file).
namespace herald::backbone::log_format {

inline constexpr size_t kHeaderBytes = 4 + 4 + 1;
// Fixed part of an event body: seq, two times, flags, topic length, payload length.
inline constexpr size_t kEventFixedBytes = 8 + 8 + 8 + 1 + 2 + 4;
// A record body larger than this is corrupt (a torn length field reads as garbage). Publishes
// are limited far below it by the node.
inline constexpr uint32_t kMaxBodyBytes = 256u << 20;

enum class RecordType : uint8_t {
  kEvent = 1,
};

inline constexpr uint8_t kFlagRetain = 0x01;

// One event as the log stores it; the epoch is the log's, and edge_time is stamped by each node.
struct EventRecord {
  uint64_t seq = 0;
  core::UnixMillis publish_time = 0;
  core::UnixMillis origin_time = 0;
  bool retain = true;
  std::string topic;  // at most 65535 bytes
  std::string payload;

  bool operator==(const EventRecord&) const = default;
};

// Appends `event` to `out` as one complete record. Topics longer than 65535 bytes or records
// over kMaxBodyBytes are the caller's bug: check with FitsInRecord first.
void AppendEventRecord(const EventRecord& event, std::string& out);
bool FitsInRecord(size_t topic_bytes, size_t payload_bytes);
inline bool FitsInRecord(const EventRecord& event) {
  return FitsInRecord(event.topic.size(), event.payload.size());
}
// Bytes AppendEventRecord adds for `event`.
size_t EncodedSize(const EventRecord& event);

// Partial input is normal (a torn tail, or a record still being read), not an error.
struct DecodeResult {
  enum class Kind : uint8_t { kNeedMore, kRecord, kCorrupt };
  Kind kind = Kind::kNeedMore;
  size_t consumed = 0;    // kRecord: bytes of the whole record, header included
  RecordType type{};      // kRecord
  std::string_view body;  // kRecord: points into the input
  std::string reason;     // kCorrupt: what is wrong, without the position (the caller has it)
};

// Decodes the record at the start of `input`. kNeedMore when `input` ends inside the record;
// kCorrupt when the length is over the limit, the checksum does not match or the type is
// unknown.
DecodeResult DecodeRecord(std::string_view input);

// Parses an event record's body (from DecodeRecord); the error's code is "corruption".
core::Result<EventRecord> ParseEventBody(std::string_view body);

}  // namespace herald::backbone::log_format
