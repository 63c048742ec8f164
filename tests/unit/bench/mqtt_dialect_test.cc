// herald-bench's MQTT packets (tools/bench/mqtt_packets.h) against the byte layouts of the
// MQTT 3.1.1 (OASIS, 2014) and 5.0 (OASIS, 2019) specifications, and the mqtt / mqtt-ws
// subscriber dialects over split streams.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dialect.h"
#include "mqtt_packets.h"
#include "proto/ws/codec.h"

namespace herald::bench::mqtt {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out += static_cast<char>(b);
  return out;
}

std::string Varint(uint32_t value) {
  std::string out;
  AppendVarint(out, value);
  return out;
}

// 3.1.1 Table 2.4 and 5.0 section 1.5.5: the bounds of each Variable Byte Integer size.
TEST(MqttPackets, VarintMatchesTheSpecTable) {
  struct Row {
    uint32_t value;
    std::string bytes;
  };
  const std::vector<Row> rows = {
      {0, Bytes({0x00})},
      {127, Bytes({0x7F})},
      {128, Bytes({0x80, 0x01})},
      {16383, Bytes({0xFF, 0x7F})},
      {16384, Bytes({0x80, 0x80, 0x01})},
      {2097151, Bytes({0xFF, 0xFF, 0x7F})},
      {2097152, Bytes({0x80, 0x80, 0x80, 0x01})},
      {268435455, Bytes({0xFF, 0xFF, 0xFF, 0x7F})},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(Varint(row.value), row.bytes) << row.value;
    uint32_t value = 0;
    EXPECT_EQ(ReadVarint(row.bytes, value), static_cast<int>(row.bytes.size())) << row.value;
    EXPECT_EQ(value, row.value);
  }
}

TEST(MqttPackets, VarintNeedsMoreOrIsMalformed) {
  uint32_t value = 0;
  EXPECT_EQ(ReadVarint("", value), 0);
  EXPECT_EQ(ReadVarint(Bytes({0x80, 0x80}), value), 0);
  // A fifth byte is never allowed (the fourth must end the integer).
  EXPECT_EQ(ReadVarint(Bytes({0x80, 0x80, 0x80, 0x80, 0x01}), value), -1);
}

// 3.1.1 Figure 3.6: 00 04 'M' 'Q' 'T' 'T', level 4, flags, keep alive 00 0A. The example's
// flags are 0xCE (user name, password, will); this client sets only Clean Session (bit 1).
TEST(MqttPackets, Connect311) {
  EXPECT_EQ(Connect(kV311, "", 10),
            Bytes({0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x0A,  //
                   0x00, 0x00}));
  EXPECT_EQ(Connect(kV311, "hb-1", 60),
            Bytes({0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C,  //
                   0x00, 0x04, 'h', 'b', '-', '1'}));
}

// 5.0 Figure 3-6 (CONNECT variable header example): level 5, keep alive 10, properties of
// length 5 holding Session Expiry Interval (0x11) = 10. Flags as above: Clean Start only.
TEST(MqttPackets, Connect5) {
  EXPECT_EQ(Connect(kV5, "", 10, Bytes({0x11, 0x00, 0x00, 0x00, 0x0A})),
            Bytes({0x10, 0x12, 0x00, 0x04, 'M',  'Q',  'T', 'T', 0x05, 0x02, 0x00, 0x0A,  //
                   0x05, 0x11, 0x00, 0x00, 0x00, 0x0A,                                    //
                   0x00, 0x00}));
  // What the dialect sends: empty properties (length 0).
  EXPECT_EQ(Connect(kV5, "hb-1", 60),
            Bytes({0x10, 0x11, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3C, 0x00,  //
                   0x00, 0x04, 'h', 'b', '-', '1'}));
}

// 3.1.1 Figures 3.20-3.22: fixed header 0x82, packet identifier 10, "a/b" QoS 1, "c/d" QoS 2.
TEST(MqttPackets, Subscribe311) {
  EXPECT_EQ(Subscribe(kV311, 10, {{"a/b", 1}, {"c/d", 2}}),
            Bytes({0x82, 0x0E, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x01, 0x00, 0x03, 'c', '/',
                   'd', 0x02}));
}

// 5.0 Figure 3-19 (packet identifier 10, property length 0) and 3.8.3: the same topics, with
// subscription options bytes (QoS in bits 0-1) in place of the requested QoS.
TEST(MqttPackets, Subscribe5) {
  EXPECT_EQ(Subscribe(kV5, 10, {{"a/b", 1}, {"c/d", 2}}),
            Bytes({0x82, 0x0F, 0x00, 0x0A, 0x00, 0x00, 0x03, 'a', '/', 'b', 0x01, 0x00, 0x03, 'c',
                   '/', 'd', 0x02}));
  EXPECT_EQ(Subscribe(kV5, 1, {{"bench/fanout", 0}}),
            Bytes({0x82, 0x12, 0x00, 0x01, 0x00, 0x00, 0x0C, 'b', 'e', 'n',
                   'c',  'h',  '/',  'f',  'a',  'n',  'o',  'u', 't', 0x00}));
}

// 3.1.1 Figure 3.11 (and 5.0 Figure 3-9 with property length 0): topic "a/b", packet
// identifier 10, as a QoS 1 PUBLISH (fixed header 0x32).
TEST(MqttPackets, PublishVariableHeader) {
  std::string v311;
  AppendPublish(v311, kV311, "a/b", "hi", 1, 10);
  EXPECT_EQ(v311, Bytes({0x32, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 'h', 'i'}));
  std::string v5;
  AppendPublish(v5, kV5, "a/b", "hi", 1, 10);
  EXPECT_EQ(v5, Bytes({0x32, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 0x00, 'h', 'i'}));
  std::string qos0;
  AppendPublish(qos0, kV311, "a/b", "");
  EXPECT_EQ(qos0, Bytes({0x30, 0x05, 0x00, 0x03, 'a', '/', 'b'}));
}

TEST(MqttPackets, PubackAndPingreq) {
  EXPECT_EQ(Puback(10), Bytes({0x40, 0x02, 0x00, 0x0A}));  // 3.1.1 3.4; 5.0 3.4.2.1
  EXPECT_EQ(Pingreq(), Bytes({0xC0, 0x00}));
}

// PUBLISH packets whose Remaining Length sits at each side of the 1/2 and 2/3 byte bounds:
// encoded, split off a stream, parsed back, and only whole once the last byte is there.
TEST(MqttPackets, PublishRemainingLengthBounds) {
  struct Bound {
    uint32_t remaining;
    std::string header;  // fixed header byte and the Remaining Length
  };
  const std::vector<Bound> bounds = {
      {127, Bytes({0x30, 0x7F})},
      {128, Bytes({0x30, 0x80, 0x01})},
      {16383, Bytes({0x30, 0xFF, 0x7F})},
      {16384, Bytes({0x30, 0x80, 0x80, 0x01})},
  };
  for (uint8_t version : {kV311, kV5}) {
    size_t overhead = 2 + 3 + (version == kV5 ? 1 : 0);  // topic length, "a/b", properties
    for (const Bound& bound : bounds) {
      std::string payload(bound.remaining - overhead, 'p');
      payload.front() = '<';
      payload.back() = '>';
      std::string packet;
      AppendPublish(packet, version, "a/b", payload);
      ASSERT_EQ(packet.size(), bound.header.size() + bound.remaining);
      EXPECT_EQ(packet.substr(0, bound.header.size()), bound.header)
          << "v" << int{version} << " remaining " << bound.remaining;
      std::string stream = packet + Bytes({0xD0, 0x00});  // and a PINGRESP after it
      for (size_t cut : {size_t{1}, bound.header.size(), packet.size() - 1}) {
        Packet partial;
        EXPECT_EQ(Split(std::string_view(stream).substr(0, cut), partial).kind,
                  SplitResult::Kind::kNeedMore)
            << "cut " << cut;
      }
      Packet split;
      SplitResult result = Split(stream, split);
      ASSERT_EQ(result.kind, SplitResult::Kind::kPacket);
      EXPECT_EQ(result.consumed, packet.size());
      EXPECT_EQ(split.type, Type::kPublish);
      EXPECT_EQ(split.flags, 0);
      EXPECT_EQ(split.body.size(), bound.remaining);
      Publish publish;
      ASSERT_TRUE(ParsePublish(split, version, publish));
      EXPECT_EQ(publish.topic, "a/b");
      EXPECT_EQ(publish.qos, 0);
      EXPECT_EQ(publish.payload, payload);
      Packet next;
      ASSERT_EQ(Split(std::string_view(stream).substr(result.consumed), next).kind,
                SplitResult::Kind::kPacket);
      EXPECT_EQ(next.type, Type::kPingresp);
    }
  }
}

TEST(MqttPackets, SplitRefusesMalformedAndOversizedHeaders) {
  Packet packet;
  EXPECT_EQ(Split(Bytes({0x30, 0x80, 0x80, 0x80, 0x80, 0x01}), packet).kind,
            SplitResult::Kind::kError);
  EXPECT_EQ(Split(Bytes({0x00, 0x00}), packet).kind, SplitResult::Kind::kError);  // type 0
  // Too large is known from the header alone, before the body arrives.
  EXPECT_EQ(Split(Bytes({0x30, 0x80, 0x80, 0x01}), packet, 16383).kind, SplitResult::Kind::kError);
  EXPECT_EQ(Split(Bytes({0x30, 0xFF, 0x7F}), packet, 16383).kind, SplitResult::Kind::kNeedMore);
}

Packet SplitOne(const std::string& bytes) {
  Packet packet;
  SplitResult result = Split(bytes, packet);
  EXPECT_EQ(result.kind, SplitResult::Kind::kPacket);
  EXPECT_EQ(result.consumed, bytes.size());
  return packet;
}

// 3.1.1 3.2: acknowledge flags, return code (0 accepted, 5 not authorized). 5.0 3.2: flags,
// reason code, properties (here Topic Alias Maximum 10 and Receive Maximum 20).
TEST(MqttPackets, Connack) {
  uint8_t code = 0xFF;
  std::string accepted = Bytes({0x20, 0x02, 0x00, 0x00});
  ASSERT_TRUE(ParseConnack(SplitOne(accepted), kV311, code));
  EXPECT_EQ(code, 0);
  std::string refused = Bytes({0x20, 0x02, 0x00, 0x05});
  ASSERT_TRUE(ParseConnack(SplitOne(refused), kV311, code));
  EXPECT_EQ(code, 5);
  std::string v5 = Bytes({0x20, 0x09, 0x00, 0x00, 0x06, 0x22, 0x00, 0x0A, 0x21, 0x00, 0x14});
  ASSERT_TRUE(ParseConnack(SplitOne(v5), kV5, code));
  EXPECT_EQ(code, 0);
  std::string v5_refused = Bytes({0x20, 0x03, 0x00, 0x87, 0x00});  // 0x87 Not authorized
  ASSERT_TRUE(ParseConnack(SplitOne(v5_refused), kV5, code));
  EXPECT_EQ(code, 0x87);
  std::string short_properties = Bytes({0x20, 0x04, 0x00, 0x00, 0x06, 0x22});
  EXPECT_FALSE(ParseConnack(SplitOne(short_properties), kV5, code));
}

// 3.1.1 3.9: packet identifier, return codes (0x80 failure). 5.0 3.9: identifier, properties
// (here a Reason String "ok"), reason codes.
TEST(MqttPackets, Suback) {
  uint16_t id = 0;
  uint8_t code = 0xFF;
  std::string granted = Bytes({0x90, 0x03, 0x00, 0x01, 0x00});
  ASSERT_TRUE(ParseSuback(SplitOne(granted), kV311, id, code));
  EXPECT_EQ(id, 1);
  EXPECT_EQ(code, 0);
  std::string failed = Bytes({0x90, 0x03, 0x00, 0x01, 0x80});
  ASSERT_TRUE(ParseSuback(SplitOne(failed), kV311, id, code));
  EXPECT_EQ(code, 0x80);
  std::string v5 = Bytes({0x90, 0x09, 0x00, 0x0A, 0x05, 0x1F, 0x00, 0x02, 'o', 'k', 0x01});
  ASSERT_TRUE(ParseSuback(SplitOne(v5), kV5, id, code));
  EXPECT_EQ(id, 10);
  EXPECT_EQ(code, 1);
}

// 5.0 3.3.2.3: PUBLISH properties (Payload Format Indicator 1, Message Expiry Interval 60)
// are skipped; QoS 1 carries a packet identifier; QoS 3 and short bodies are malformed.
TEST(MqttPackets, PublishParsing) {
  Publish publish;
  std::string v5 = Bytes({0x32, 0x11, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 0x07, 0x01, 0x01, 0x02,
                          0x00, 0x00, 0x00, 0x3C, 'h', 'i'});
  ASSERT_TRUE(ParsePublish(SplitOne(v5), kV5, publish));
  EXPECT_EQ(publish.topic, "a/b");
  EXPECT_EQ(publish.qos, 1);
  EXPECT_EQ(publish.packet_id, 10);
  EXPECT_EQ(publish.payload, "hi");
  std::string qos3 = Bytes({0x36, 0x05, 0x00, 0x03, 'a', '/', 'b'});
  EXPECT_FALSE(ParsePublish(SplitOne(qos3), kV311, publish));
  std::string short_topic = Bytes({0x30, 0x03, 0x00, 0x05, 'a'});
  EXPECT_FALSE(ParsePublish(SplitOne(short_topic), kV311, publish));
  std::string short_properties = Bytes({0x30, 0x06, 0x00, 0x03, 'a', '/', 'b', 0x09});
  EXPECT_FALSE(ParsePublish(SplitOne(short_properties), kV5, publish));
}

// The subscriber dialects: fed one byte at a time (packets split anywhere), and over WebSocket
// with one PUBLISH spread over two frames and two packets in one frame.
Target TargetAt(uint16_t port, std::string topic) {
  Target target;
  target.port = port;
  target.topic = std::move(topic);
  return target;
}

struct Fed {
  bool ok = true;
  std::vector<std::string> payloads;
};

Fed FeedBytewise(SubscriberDialect& dialect, const std::string& bytes) {
  Fed fed;
  for (char c : bytes) {
    fed.ok = fed.ok && dialect.Feed(std::string_view(&c, 1), [&](std::string_view payload) {
      fed.payloads.emplace_back(payload);
    });
  }
  return fed;
}

TEST(MqttDialect, TcpSubscriberIsReadyOnSubackAndAcknowledgesQos1) {
  for (uint8_t version : {kV311, kV5}) {
    auto dialect =
        MakeMqttSubscriber(version == kV5 ? "mqtt5" : "mqtt", TargetAt(1883, "bench/fanout"), 1);
    ASSERT_NE(dialect, nullptr);
    EXPECT_EQ(dialect->Opening(),
              Connect(version, "hb-00000001", 60) + Subscribe(version, 1, {{"bench/fanout", 0}}));
    std::string acks =
        version == kV5 ? Bytes({0x20, 0x03, 0x00, 0x00, 0x00, 0x90, 0x04, 0x00, 0x01, 0x00, 0x00})
                       : Bytes({0x20, 0x02, 0x00, 0x00, 0x90, 0x03, 0x00, 0x01, 0x00});
    Fed fed = FeedBytewise(*dialect, acks.substr(0, acks.size() - 1));
    EXPECT_TRUE(fed.ok);
    EXPECT_FALSE(dialect->ready);
    fed = FeedBytewise(*dialect, acks.substr(acks.size() - 1));
    EXPECT_TRUE(dialect->ready);
    std::string publishes;
    AppendPublish(publishes, version, "bench/fanout", "{\"seq\":1}");
    AppendPublish(publishes, version, "bench/fanout", "{\"seq\":2}", 1, 7);
    fed = FeedBytewise(*dialect, publishes);
    EXPECT_TRUE(fed.ok);
    EXPECT_EQ(fed.payloads, (std::vector<std::string>{"{\"seq\":1}", "{\"seq\":2}"}));
    EXPECT_EQ(dialect->outbox, Puback(7));
  }
}

// Several topics per connection (the quotes workload): one SUBSCRIBE carrying every filter,
// ready on its SUBACK with one return code per filter.
TEST(MqttDialect, TcpSubscriberSubscribesEveryTopicInOnePacket) {
  Target target = TargetAt(1883, "q-0");
  target.topics = {"q-0", "q-50", "q-100"};
  auto dialect = MakeMqttSubscriber("mqtt", target, 1);
  ASSERT_NE(dialect, nullptr);
  EXPECT_EQ(dialect->Opening(), Connect(kV311, "hb-00000001", 60) +
                                    Subscribe(kV311, 1, {{"q-0", 0}, {"q-50", 0}, {"q-100", 0}}));
  EXPECT_EQ(Subscribe(kV311, 1, {{"q-0", 0}, {"q-50", 0}}),
            Bytes({0x82, 0x0F, 0x00, 0x01, 0x00, 0x03, 'q', '-', '0', 0x00, 0x00, 0x04, 'q', '-',
                   '5', '0', 0x00}));
  Fed fed = FeedBytewise(*dialect,
                         Bytes({0x20, 0x02, 0x00, 0x00, 0x90, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00}));
  EXPECT_TRUE(fed.ok);
  EXPECT_TRUE(dialect->ready);
}

TEST(MqttDialect, TcpSubscriberFailsOnRefusal) {
  auto dialect = MakeMqttSubscriber("mqtt", Target{}, 1);
  dialect->Opening();
  EXPECT_FALSE(FeedBytewise(*dialect, Bytes({0x20, 0x02, 0x00, 0x05})).ok);
  auto refused_topic = MakeMqttSubscriber("mqtt", Target{}, 1);
  refused_topic->Opening();
  EXPECT_FALSE(
      FeedBytewise(*refused_topic, Bytes({0x20, 0x02, 0x00, 0x00, 0x90, 0x03, 0x00, 0x01, 0x80}))
          .ok);
}

TEST(MqttDialect, WebSocketSubscriberJoinsFrames) {
  using proto::ws::EncodeFrame;
  using proto::ws::Opcode;
  auto dialect = MakeMqttSubscriber("mqtt-ws", TargetAt(9001, "t"), 2);
  std::string request = dialect->Opening();
  EXPECT_EQ(request.rfind("GET /mqtt HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(request.find("\r\nSec-WebSocket-Protocol: mqtt\r\n"), std::string::npos);
  Fed fed = FeedBytewise(*dialect,
                         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         "Sec-WebSocket-Protocol: mqtt\r\n\r\n");
  EXPECT_TRUE(fed.ok);
  // CONNECT and SUBSCRIBE, each in a masked binary frame.
  proto::ws::Decoder server(proto::ws::Role::kServer, proto::ws::DecoderLimits{});
  std::vector<std::string> sent;
  std::string_view outbox = dialect->outbox;
  while (!outbox.empty()) {
    proto::ws::Message message;
    proto::ws::DecodeResult result = server.Decode(outbox, message);
    ASSERT_EQ(result.kind, proto::ws::DecodeResult::Kind::kMessage);
    EXPECT_EQ(message.kind, proto::ws::Message::Kind::kBinary);
    sent.push_back(message.payload);
    outbox.remove_prefix(result.consumed);
  }
  EXPECT_EQ(sent, (std::vector<std::string>{Connect(kV311, "hb-00000002", 60),
                                            Subscribe(kV311, 1, {{"t", 0}})}));
  dialect->outbox.clear();
  std::string acks = Bytes({0x20, 0x02, 0x00, 0x00, 0x90, 0x03, 0x00, 0x01, 0x00});
  std::string publish;
  AppendPublish(publish, kV311, "t", std::string(300, 'x'));
  std::string frames = EncodeFrame(Opcode::kBinary, acks + publish.substr(0, 100)) +
                       EncodeFrame(Opcode::kBinary, publish.substr(100));
  fed = FeedBytewise(*dialect, frames);
  EXPECT_TRUE(fed.ok);
  EXPECT_TRUE(dialect->ready);
  EXPECT_EQ(fed.payloads, std::vector<std::string>{std::string(300, 'x')});
  // A ping is answered with a masked pong; a close frame ends the connection.
  fed = FeedBytewise(*dialect, EncodeFrame(Opcode::kPing, "p"));
  EXPECT_TRUE(fed.ok);
  EXPECT_FALSE(dialect->outbox.empty());
  EXPECT_FALSE(FeedBytewise(*dialect, proto::ws::EncodeClose(1000, "")).ok);
}

TEST(MqttDialect, WebSocketSubscriberRefusesAFailedUpgrade) {
  auto dialect = MakeMqttSubscriber("mqtt5-ws", Target{}, 3);
  dialect->Opening();
  EXPECT_FALSE(FeedBytewise(*dialect, "HTTP/1.1 400 Bad Request\r\n\r\n").ok);
}

TEST(MqttDialect, PublisherWaitsForConnack) {
  auto publisher = MakeMqttPublisher("mqtt", TargetAt(1883, "a/b"));
  ASSERT_NE(publisher, nullptr);
  EXPECT_FALSE(publisher->ready);
  EXPECT_FALSE(publisher->CountsReplies());
  EXPECT_EQ(publisher->Opening().substr(0, 12),
            Bytes({0x10, 0x1B, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C}));
  EXPECT_EQ(publisher->CountReplies(Bytes({0x20, 0x02})), 0);
  EXPECT_FALSE(publisher->ready);
  EXPECT_EQ(publisher->CountReplies(Bytes({0x00, 0x00})), 0);
  EXPECT_TRUE(publisher->ready);
  std::string out;
  publisher->AppendPublish(out, "hi");
  EXPECT_EQ(out, Bytes({0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i'}));
  auto refused = MakeMqttPublisher("mqtt5", Target{});
  refused->Opening();
  EXPECT_EQ(refused->CountReplies(Bytes({0x20, 0x03, 0x00, 0x87, 0x00})), -1);
  EXPECT_FALSE(refused->ready);
  EXPECT_EQ(MakeMqttPublisher("herald-rest", Target{}), nullptr);
}

}  // namespace
}  // namespace herald::bench::mqtt
