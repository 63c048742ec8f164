#include "backbone/log_format.h"

#include "backbone/crc32c.h"

namespace herald::backbone::log_format {
namespace {

void PutLe(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xffu));
}

uint64_t GetLe(std::string_view in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(in[static_cast<size_t>(i)]))
             << (8 * i);
  }
  return value;
}

// Reads fixed-size little-endian fields off the front of a body, remembering overruns.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint64_t Take(int bytes) {
    if (in_.size() < static_cast<size_t>(bytes)) {
      overrun_ = true;
      in_ = {};
      return 0;
    }
    uint64_t value = GetLe(in_, bytes);
    in_.remove_prefix(static_cast<size_t>(bytes));
    return value;
  }
  std::string_view TakeBytes(uint64_t n) {
    if (in_.size() < n) {
      overrun_ = true;
      in_ = {};
      return {};
    }
    std::string_view bytes = in_.substr(0, static_cast<size_t>(n));
    in_.remove_prefix(static_cast<size_t>(n));
    return bytes;
  }
  bool overrun() const { return overrun_; }
  size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
  bool overrun_ = false;
};

core::Error Corrupt(std::string message) { return core::Error{"corruption", std::move(message)}; }

}  // namespace

size_t EncodedSize(const EventRecord& event) {
  return kHeaderBytes + kEventFixedBytes + event.topic.size() + event.payload.size();
}

bool FitsInRecord(size_t topic_bytes, size_t payload_bytes) {
  return topic_bytes <= 0xffffu && payload_bytes <= kMaxBodyBytes &&
         kEventFixedBytes + topic_bytes + payload_bytes <= kMaxBodyBytes;
}

void AppendEventRecord(const EventRecord& event, std::string& out) {
  size_t start = out.size();
  size_t body_bytes = kEventFixedBytes + event.topic.size() + event.payload.size();
  out.reserve(start + kHeaderBytes + body_bytes);
  PutLe(out, body_bytes, 4);
  PutLe(out, 0, 4);  // checksum, filled in below
  out.push_back(static_cast<char>(RecordType::kEvent));
  PutLe(out, event.seq, 8);
  PutLe(out, static_cast<uint64_t>(event.publish_time), 8);
  PutLe(out, static_cast<uint64_t>(event.origin_time), 8);
  out.push_back(static_cast<char>(event.retain ? kFlagRetain : 0));
  PutLe(out, event.topic.size(), 2);
  out += event.topic;
  PutLe(out, event.payload.size(), 4);
  out += event.payload;
  uint32_t crc = crc32c::Mask(crc32c::Value(std::string_view(out).substr(start + 8)));
  for (int i = 0; i < 4; ++i)
    out[start + 4 + static_cast<size_t>(i)] = static_cast<char>(crc >> (8 * i));
}

DecodeResult DecodeRecord(std::string_view input) {
  DecodeResult result;
  if (input.size() < kHeaderBytes) return result;  // kNeedMore
  uint64_t length = GetLe(input, 4);
  if (length > kMaxBodyBytes) {
    result.kind = DecodeResult::Kind::kCorrupt;
    result.reason = "record length " + std::to_string(length) + " over the limit of " +
                    std::to_string(kMaxBodyBytes) + " bytes";
    return result;
  }
  if (input.size() - kHeaderBytes < length) return result;  // kNeedMore
  uint32_t stored = static_cast<uint32_t>(GetLe(input.substr(4), 4));
  std::string_view covered = input.substr(8, 1 + static_cast<size_t>(length));
  uint32_t actual = crc32c::Value(covered);
  if (crc32c::Unmask(stored) != actual) {
    result.kind = DecodeResult::Kind::kCorrupt;
    result.reason = "checksum mismatch (record length " + std::to_string(length) + ")";
    return result;
  }
  auto type = static_cast<uint8_t>(input[8]);
  if (type != static_cast<uint8_t>(RecordType::kEvent)) {
    result.kind = DecodeResult::Kind::kCorrupt;
    result.reason = "unknown record type " + std::to_string(type);
    return result;
  }
  result.kind = DecodeResult::Kind::kRecord;
  result.consumed = kHeaderBytes + static_cast<size_t>(length);
  result.type = RecordType::kEvent;
  result.body = covered.substr(1);
  return result;
}

core::Result<EventRecord> ParseEventBody(std::string_view body) {
  Reader reader(body);
  EventRecord event;
  event.seq = reader.Take(8);
  event.publish_time = static_cast<core::UnixMillis>(reader.Take(8));
  event.origin_time = static_cast<core::UnixMillis>(reader.Take(8));
  auto flags = static_cast<uint8_t>(reader.Take(1));
  uint64_t topic_len = reader.Take(2);
  std::string_view topic = reader.TakeBytes(topic_len);
  uint64_t payload_len = reader.Take(4);
  std::string_view payload = reader.TakeBytes(payload_len);
  if (reader.overrun()) return Corrupt("event record body shorter than its fields say");
  if (reader.remaining() != 0) {
    return Corrupt("event record body has " + std::to_string(reader.remaining()) +
                   " trailing bytes");
  }
  if ((flags & ~kFlagRetain) != 0) {
    return Corrupt("event record has unknown flags " + std::to_string(flags));
  }
  if (event.seq == 0) return Corrupt("event record has seq 0");
  event.retain = (flags & kFlagRetain) != 0;
  event.topic.assign(topic);
  event.payload.assign(payload);
  return event;
}

}  // namespace herald::backbone::log_format
