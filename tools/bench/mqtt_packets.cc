#include "mqtt_packets.h"

namespace herald::bench::mqtt {
namespace {

void AppendU16(std::string& out, uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value & 0xFF));
}

void AppendString(std::string& out, std::string_view text) {  // UTF-8 Encoded String
  AppendU16(out, static_cast<uint16_t>(text.size()));
  out.append(text);
}

uint8_t Byte(std::string_view in, size_t at) { return static_cast<uint8_t>(in[at]); }

uint16_t U16(std::string_view in, size_t at) {
  return static_cast<uint16_t>(Byte(in, at) << 8 | Byte(in, at + 1));
}

// Fixed header byte, Remaining Length, then `rest`.
std::string WithFixedHeader(uint8_t first, std::string_view rest) {
  std::string out;
  out.reserve(rest.size() + 5);
  out.push_back(static_cast<char>(first));
  AppendVarint(out, static_cast<uint32_t>(rest.size()));
  out.append(rest);
  return out;
}

// Skips a 5.0 property block at `at`; false when its length runs past the end.
bool SkipProperties(std::string_view body, size_t& at) {
  uint32_t length = 0;
  int used = ReadVarint(body.substr(at), length);
  if (used <= 0 || body.size() - at - static_cast<size_t>(used) < length) return false;
  at += static_cast<size_t>(used) + length;
  return true;
}

}  // namespace

void AppendVarint(std::string& out, uint32_t value) {
  do {
    uint8_t byte = value & 0x7F;
    value >>= 7;
    if (value > 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (value > 0);
}

int ReadVarint(std::string_view in, uint32_t& value) {
  value = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (i >= in.size()) return 0;
    uint8_t byte = Byte(in, i);
    value |= static_cast<uint32_t>(byte & 0x7F) << (7 * i);
    if (!(byte & 0x80)) return static_cast<int>(i + 1);
  }
  return -1;
}

std::string Connect(uint8_t version, std::string_view client_id, uint16_t keep_alive,
                    std::string_view properties) {
  std::string rest;
  AppendString(rest, "MQTT");
  rest.push_back(static_cast<char>(version));
  rest.push_back(0x02);  // Clean Session / Clean Start
  AppendU16(rest, keep_alive);
  if (version >= kV5) {
    AppendVarint(rest, static_cast<uint32_t>(properties.size()));
    rest.append(properties);
  }
  AppendString(rest, client_id);
  return WithFixedHeader(0x10, rest);
}

std::string Subscribe(uint8_t version, uint16_t packet_id,
                      std::initializer_list<Subscription> subscriptions) {
  return Subscribe(version, packet_id, std::vector<Subscription>(subscriptions));
}

std::string Subscribe(uint8_t version, uint16_t packet_id,
                      const std::vector<Subscription>& subscriptions) {
  std::string rest;
  AppendU16(rest, packet_id);
  if (version >= kV5) rest.push_back(0);  // no properties
  for (const Subscription& s : subscriptions) {
    AppendString(rest, s.filter);
    rest.push_back(static_cast<char>(s.options));
  }
  return WithFixedHeader(0x82, rest);
}

void AppendPublish(std::string& out, uint8_t version, std::string_view topic,
                   std::string_view payload, uint8_t qos, uint16_t packet_id) {
  uint32_t remaining = static_cast<uint32_t>(2 + topic.size() + (qos > 0 ? 2 : 0) +
                                             (version >= kV5 ? 1 : 0) + payload.size());
  out.push_back(static_cast<char>(0x30 | (qos & 3) << 1));
  AppendVarint(out, remaining);
  AppendString(out, topic);
  if (qos > 0) AppendU16(out, packet_id);
  if (version >= kV5) out.push_back(0);  // no properties
  out.append(payload);
}

std::string Puback(uint16_t packet_id) {
  std::string rest;
  AppendU16(rest, packet_id);
  return WithFixedHeader(0x40, rest);
}

std::string Pingreq() { return std::string("\xC0\x00", 2); }

SplitResult Split(std::string_view in, Packet& out, uint32_t max_remaining) {
  SplitResult result;
  if (in.size() < 2) return result;
  uint32_t remaining = 0;
  int used = ReadVarint(in.substr(1), remaining);
  if (used < 0 || (used > 0 && remaining > max_remaining) || (Byte(in, 0) >> 4) == 0) {
    result.kind = SplitResult::Kind::kError;
    return result;
  }
  if (used == 0) return result;
  size_t header = 1 + static_cast<size_t>(used);
  if (in.size() - header < remaining) return result;
  out.type = static_cast<Type>(Byte(in, 0) >> 4);
  out.flags = Byte(in, 0) & 0x0F;
  out.body = in.substr(header, remaining);
  result.kind = SplitResult::Kind::kPacket;
  result.consumed = header + remaining;
  return result;
}

bool ParseConnack(const Packet& packet, uint8_t version, uint8_t& code) {
  std::string_view body = packet.body;
  if (packet.type != Type::kConnack || body.size() < 2) return false;
  code = Byte(body, 1);
  if (version < kV5) return body.size() == 2;
  size_t at = 2;
  // A 5.0 server refusing an unknown protocol level may answer in 3.1.1 form (no properties).
  return body.size() == 2 || SkipProperties(body, at);
}

bool ParseSuback(const Packet& packet, uint8_t version, uint16_t& packet_id, uint8_t& code) {
  std::string_view body = packet.body;
  if (packet.type != Type::kSuback || body.size() < 3) return false;
  packet_id = U16(body, 0);
  size_t at = 2;
  if (version >= kV5 && !SkipProperties(body, at)) return false;
  if (at >= body.size()) return false;
  code = Byte(body, at);
  return true;
}

bool ParsePublish(const Packet& packet, uint8_t version, Publish& out) {
  std::string_view body = packet.body;
  if (packet.type != Type::kPublish || body.size() < 2) return false;
  out.qos = (packet.flags >> 1) & 3;
  if (out.qos == 3) return false;
  size_t topic_length = U16(body, 0);
  size_t at = 2 + topic_length;
  if (body.size() < at) return false;
  out.topic = body.substr(2, topic_length);
  out.packet_id = 0;
  if (out.qos > 0) {
    if (body.size() < at + 2) return false;
    out.packet_id = U16(body, at);
    at += 2;
  }
  if (version >= kV5 && !SkipProperties(body, at)) return false;
  out.payload = body.substr(at);
  return true;
}

}  // namespace herald::bench::mqtt
