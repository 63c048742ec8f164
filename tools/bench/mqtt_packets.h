#pragma once
// MQTT 3.1.1 and 5.0 packets, as much of them as a load-generating client needs: encoders for
// CONNECT, SUBSCRIBE, PUBLISH, PUBACK and PINGREQ, and a parser that splits a byte stream into
// packets and reads CONNACK, SUBACK and PUBLISH (QoS 0 and 1). MQTT 5.0 properties are skipped.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace herald::bench::mqtt {

// Protocol levels (3.1.1 section 3.1.2.2, 5.0 section 3.1.2.2).
inline constexpr uint8_t kV311 = 4;
inline constexpr uint8_t kV5 = 5;

// Control packet types (2.2.1 in both specs).
enum class Type : uint8_t {
  kConnect = 1,
  kConnack = 2,
  kPublish = 3,
  kPuback = 4,
  kSubscribe = 8,
  kSuback = 9,
  kPingreq = 12,
  kPingresp = 13,
  kDisconnect = 14,
};

// The largest Remaining Length the 4-byte Variable Byte Integer can carry (268,435,455).
inline constexpr uint32_t kMaxRemainingLength = 0x0FFFFFFF;

// Appends `value` (≤ kMaxRemainingLength) as a Variable Byte Integer (3.1.1 2.2.3, 5.0 1.5.5).
void AppendVarint(std::string& out, uint32_t value);
// Reads a Variable Byte Integer from the front of `in`: the bytes it took, 0 when `in` ends
// before it does, -1 when it runs past 4 bytes (malformed).
int ReadVarint(std::string_view in, uint32_t& value);

// CONNECT with Clean Session (3.1.1) / Clean Start (5.0), no will, no user name or password.
// `properties` (5.0 only) are raw property bytes; their length is prefixed here.
std::string Connect(uint8_t version, std::string_view client_id, uint16_t keep_alive,
                    std::string_view properties = {});

struct Subscription {
  std::string_view filter;
  uint8_t options = 0;  // 3.1.1: requested QoS; 5.0: subscription options (QoS in bits 0-1)
};
// SUBSCRIBE (fixed header 0x82) with no properties.
std::string Subscribe(uint8_t version, uint16_t packet_id,
                      std::initializer_list<Subscription> subscriptions);
std::string Subscribe(uint8_t version, uint16_t packet_id,
                      const std::vector<Subscription>& subscriptions);

// Appends a PUBLISH with no properties; `packet_id` is written only for QoS 1 and 2.
void AppendPublish(std::string& out, uint8_t version, std::string_view topic,
                   std::string_view payload, uint8_t qos = 0, uint16_t packet_id = 0);

// PUBACK for a QoS 1 PUBLISH. In 5.0 the reason code and properties are left out, which means
// Success (5.0 3.4.2.1), so both versions send 0x40 0x02 <id>.
std::string Puback(uint16_t packet_id);
std::string Pingreq();

// One packet split off a stream: its type, the flags nibble, and the bytes after the fixed header.
struct Packet {
  Type type = Type::kConnect;
  uint8_t flags = 0;
  std::string_view body;
};

struct SplitResult {
  enum class Kind : uint8_t { kPacket, kNeedMore, kError };
  Kind kind = Kind::kNeedMore;
  size_t consumed = 0;  // kPacket: the whole packet's size
};

// Splits the first packet off `in`. kError on a malformed Remaining Length or one above
// `max_remaining` (checked from the header, before the body arrives).
SplitResult Split(std::string_view in, Packet& out, uint32_t max_remaining = kMaxRemainingLength);

// CONNACK: the return code (3.1.1) or reason code (5.0); 0 is success. False when malformed.
bool ParseConnack(const Packet& packet, uint8_t version, uint8_t& code);

// SUBACK: the packet identifier and the first return/reason code (≥ 0x80 is failure).
bool ParseSuback(const Packet& packet, uint8_t version, uint16_t& packet_id, uint8_t& code);

struct Publish {
  std::string_view topic;
  std::string_view payload;
  uint8_t qos = 0;
  uint16_t packet_id = 0;  // QoS 1 and 2 only
};
// PUBLISH: topic, packet identifier (QoS > 0), properties skipped (5.0), payload. False when
// malformed (QoS 3, lengths past the end).
bool ParsePublish(const Packet& packet, uint8_t version, Publish& out);

}  // namespace herald::bench::mqtt
