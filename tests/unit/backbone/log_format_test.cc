#include "backbone/log_format.h"

#include <gtest/gtest.h>

#include <string>

#include "backbone/crc32c.h"

namespace herald::backbone::log_format {
namespace {

using Kind = DecodeResult::Kind;

EventRecord Sample() {
  return EventRecord{42,    1'700'000'000'123,   -5,
                     false, "scores/nba/game-1", std::string("{\"home\":101}\0\xff", 14)};
}

std::string Encode(const EventRecord& event) {
  std::string out;
  AppendEventRecord(event, out);
  return out;
}

TEST(LogFormat, EventRecordHasTheDocumentedBytes) {
  // Computed independently (a bitwise CRC-32C in Python) from docs/log-format.md.
  const std::string expected(
      "\x22\0\0\0"          // body length 34
      "\x5e\x6e\x8c\x45"    // masked CRC-32C of type + body
      "\x01"                // type: event
      "\x01\0\0\0\0\0\0\0"  // seq 1
      "\x02\0\0\0\0\0\0\0"  // publish_time 2
      "\x03\0\0\0\0\0\0\0"  // origin_time 3
      "\x01"                // flags: retain
      "\x01\0"              // topic length 1
      "a"
      "\x02\0\0\0"  // payload length 2
      "xy",
      43);
  EXPECT_EQ(Encode(EventRecord{1, 2, 3, true, "a", "xy"}), expected);
  EXPECT_EQ(EncodedSize(EventRecord{1, 2, 3, true, "a", "xy"}), expected.size());
}

TEST(LogFormat, RoundTripsEveryField) {
  for (const EventRecord& event :
       {Sample(), EventRecord{1, 0, 0, true, "t", ""}, EventRecord{~0ull, -1, 1, true, "", "p"}}) {
    std::string bytes = Encode(event);
    DecodeResult decoded = DecodeRecord(bytes);
    ASSERT_EQ(decoded.kind, Kind::kRecord);
    EXPECT_EQ(decoded.consumed, bytes.size());
    EXPECT_EQ(decoded.type, RecordType::kEvent);
    auto parsed = ParseEventBody(decoded.body);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed.value(), event);
  }
}

TEST(LogFormat, DecodesOneRecordAtATimeFromAStream) {
  std::string stream = Encode(Sample()) + Encode(EventRecord{43, 1, 1, true, "x", "y"});
  DecodeResult first = DecodeRecord(stream);
  ASSERT_EQ(first.kind, Kind::kRecord);
  DecodeResult second = DecodeRecord(std::string_view(stream).substr(first.consumed));
  ASSERT_EQ(second.kind, Kind::kRecord);
  EXPECT_EQ(first.consumed + second.consumed, stream.size());
  EXPECT_EQ(ParseEventBody(second.body)->seq, 43u);
}

TEST(LogFormat, EveryProperPrefixNeedsMore) {
  std::string bytes = Encode(Sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(DecodeRecord(std::string_view(bytes).substr(0, n)).kind, Kind::kNeedMore) << n;
  }
}

TEST(LogFormat, AnyFlippedByteIsNeverAcceptedAsTheRecord) {
  const std::string bytes = Encode(Sample());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    DecodeResult decoded = DecodeRecord(damaged);
    if (i < 4) {
      // A damaged length reads as a torn record, an over-limit one, or a checksum failure.
      EXPECT_NE(decoded.kind, Kind::kRecord) << i;
    } else {
      ASSERT_EQ(decoded.kind, Kind::kCorrupt) << i;
      EXPECT_NE(decoded.reason.find("checksum mismatch"), std::string::npos) << decoded.reason;
    }
  }
}

TEST(LogFormat, ZeroFilledTailIsCorrupt) {
  DecodeResult decoded = DecodeRecord(std::string(64, '\0'));
  EXPECT_EQ(decoded.kind, Kind::kCorrupt);
}

TEST(LogFormat, LengthOverTheLimitIsCorrupt) {
  std::string bytes("\xff\xff\xff\xff\0\0\0\0\x01", 9);
  DecodeResult decoded = DecodeRecord(bytes);
  ASSERT_EQ(decoded.kind, Kind::kCorrupt);
  EXPECT_NE(decoded.reason.find("over the limit"), std::string::npos) << decoded.reason;
}

// A record with a valid checksum over the given type and body.
std::string Frame(uint8_t type, const std::string& body) {
  std::string covered(1, static_cast<char>(type));
  covered += body;
  uint32_t crc = crc32c::Mask(crc32c::Value(covered));
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(body.size() >> (8 * i)));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out + covered;
}

TEST(LogFormat, UnknownRecordTypeIsCorrupt) {
  DecodeResult decoded = DecodeRecord(Frame(7, "whatever"));
  ASSERT_EQ(decoded.kind, Kind::kCorrupt);
  EXPECT_EQ(decoded.reason, "unknown record type 7");
}

TEST(LogFormat, MalformedEventBodiesAreCorrupt) {
  std::string good = std::string(Encode(EventRecord{9, 1, 2, true, "ab", "cd"})).substr(9);
  EXPECT_TRUE(ParseEventBody(good).ok());
  EXPECT_EQ(ParseEventBody(good.substr(0, good.size() - 1)).error().code, "corruption");
  EXPECT_NE(ParseEventBody(good + "z").error().message.find("trailing"), std::string::npos);
  std::string flags = good;
  flags[24] = '\x03';
  EXPECT_NE(ParseEventBody(flags).error().message.find("flags"), std::string::npos);
  std::string seq_zero = good;
  seq_zero[0] = '\0';
  EXPECT_NE(ParseEventBody(seq_zero).error().message.find("seq 0"), std::string::npos);
  EXPECT_EQ(ParseEventBody("").error().code, "corruption");
}

TEST(LogFormat, FitsInRecordBoundsTopicAndBody) {
  EXPECT_TRUE(FitsInRecord(0xffff, 1000));
  EXPECT_FALSE(FitsInRecord(0x10000, 0));
  EXPECT_FALSE(FitsInRecord(0, kMaxBodyBytes));
  EXPECT_TRUE(FitsInRecord(0, kMaxBodyBytes - kEventFixedBytes));
}

}  // namespace
}  // namespace herald::backbone::log_format
