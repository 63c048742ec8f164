// MQTT 3.1.1 and 5.0 dialects, over TCP and over WebSocket (Mosquitto's websockets listener):
// "mqtt", "mqtt5", "mqtt-ws", "mqtt5-ws", for subscribers and publishers.
#include <unistd.h>

#include <cstdio>

#include "dialect.h"
#include "mqtt_packets.h"
#include "ws_stream.h"

namespace herald::bench {
namespace {

constexpr uint16_t kKeepAliveSeconds = 60;
constexpr uint16_t kSubscribeId = 1;
constexpr uint32_t kMaxPacketBytes = 16 << 20;

struct Variant {
  uint8_t version = mqtt::kV311;
  bool websocket = false;
};

bool ParseName(const std::string& name, Variant& out) {
  if (name != "mqtt" && name != "mqtt5" && name != "mqtt-ws" && name != "mqtt5-ws") return false;
  out.version = name.starts_with("mqtt5") ? mqtt::kV5 : mqtt::kV311;
  out.websocket = name.ends_with("-ws");
  return true;
}

// The client's view of one MQTT session over a byte stream (TCP, or the joined payloads of
// WebSocket frames): splits packets, checks CONNACK and SUBACK, emits PUBLISH payloads and
// queues PUBACKs for QoS 1.
class Session {
 public:
  explicit Session(uint8_t version) : version_(version) {}

  // False on a refused CONNECT or SUBSCRIBE, a server DISCONNECT, or a malformed packet.
  bool Consume(std::string_view bytes, void (*emit)(void*, std::string_view), void* ctx,
               std::string& replies) {
    std::string_view input = bytes;
    bool buffered = !buffer_.empty();
    if (buffered) {
      buffer_.append(bytes);
      input = buffer_;
    }
    size_t used = 0;
    while (true) {
      mqtt::Packet packet;
      mqtt::SplitResult split = mqtt::Split(input.substr(used), packet, kMaxPacketBytes);
      if (split.kind == mqtt::SplitResult::Kind::kError) return false;
      if (split.kind == mqtt::SplitResult::Kind::kNeedMore) break;
      used += split.consumed;
      switch (packet.type) {
        case mqtt::Type::kConnack: {
          uint8_t code = 0xFF;
          if (!mqtt::ParseConnack(packet, version_, code) || code != 0) return false;
          connected_ = true;
          break;
        }
        case mqtt::Type::kSuback: {
          uint16_t id = 0;
          uint8_t code = 0x80;
          if (!mqtt::ParseSuback(packet, version_, id, code) || code >= 0x80) return false;
          subscribed_ = subscribed_ || id == kSubscribeId;
          break;
        }
        case mqtt::Type::kPublish: {
          mqtt::Publish publish;
          // QoS 2 never comes: the subscription asks for QoS 0 and the server downgrades.
          if (!mqtt::ParsePublish(packet, version_, publish) || publish.qos > 1) return false;
          if (publish.qos == 1) replies += mqtt::Puback(publish.packet_id);
          if (emit) emit(ctx, publish.payload);
          break;
        }
        case mqtt::Type::kDisconnect:
          return false;
        default:  // PINGRESP, and nothing else is expected
          break;
      }
    }
    if (buffered) {
      buffer_.erase(0, used);
    } else {
      buffer_.assign(input.substr(used));
    }
    return true;
  }
  bool connected() const { return connected_; }
  bool subscribed() const { return connected_ && subscribed_; }

 private:
  uint8_t version_;
  bool connected_ = false;
  bool subscribed_ = false;
  std::string buffer_;  // an incomplete packet
};

std::string ClientId(const char* prefix, uint32_t id) {
  char text[32];
  std::snprintf(text, sizeof text, "%s%08x", prefix, id);
  return text;
}

// CONNECT and SUBSCRIBE are sent together (clients need not wait for CONNACK, 3.1.1 3.1.4);
// the subscriber is ready on SUBACK, so no publish can precede its subscription.
class MqttSubscriber final : public SubscriberDialect {
 public:
  MqttSubscriber(Variant variant, const Target& target, uint32_t seed)
      : variant_(variant),
        host_(target.host),
        topics_(TopicsOf(target)),
        seed_(seed),
        session_(variant.version),
        ws_(seed) {}

  std::string Opening() override {
    if (variant_.websocket) return WsStream::Request("/mqtt", host_, "mqtt", seed_);
    return ConnectPacket() + SubscribePacket();
  }

 protected:
  bool Parse(std::string_view bytes, void (*emit)(void*, std::string_view), void* ctx) override {
    if (!variant_.websocket) {
      if (!session_.Consume(bytes, emit, ctx, outbox)) return false;
      ready = session_.subscribed();
      return true;
    }
    bool was_upgraded = ws_.upgraded();
    data_.clear();
    if (!ws_.Feed(bytes, data_, outbox)) return false;
    if (!was_upgraded && ws_.upgraded()) {
      outbox += ws_.Frame(ConnectPacket());
      outbox += ws_.Frame(SubscribePacket());
    }
    if (data_.empty()) return true;
    std::string replies;
    if (!session_.Consume(data_, emit, ctx, replies)) return false;
    if (!replies.empty()) outbox += ws_.Frame(replies);
    ready = session_.subscribed();
    return true;
  }

 private:
  std::string ConnectPacket() const {
    return mqtt::Connect(variant_.version, ClientId("hb-", seed_), kKeepAliveSeconds);
  }
  std::string SubscribePacket() const {
    // One SUBSCRIBE with every filter (QoS 0).
    std::vector<mqtt::Subscription> filters;
    for (const std::string& t : topics_) filters.push_back({t, 0});
    return mqtt::Subscribe(variant_.version, kSubscribeId, filters);
  }

  Variant variant_;
  std::string host_;
  std::vector<std::string> topics_;
  uint32_t seed_;
  Session session_;
  WsStream ws_;
  std::string data_;  // payloads of the frames of one read
};

// CONNECT, then QoS 0 PUBLISH packets once CONNACK accepted it; nothing is acknowledged.
class MqttPublisher final : public PublisherDialect {
 public:
  MqttPublisher(Variant variant, const Target& target)
      : variant_(variant),
        host_(target.host),
        topic_(target.topic),
        // Unique per publisher connection: a broker closes the older session of a client id.
        client_id_(ClientId("hb-pub-", static_cast<uint32_t>(getpid()) * 65536u +
                                           static_cast<uint32_t>(target.publisher_index))),
        session_(variant.version),
        ws_(0x5eed0000u ^ static_cast<uint32_t>(getpid())) {
    ready = false;
  }

  std::string Opening() override {
    if (variant_.websocket) return WsStream::Request("/mqtt", host_, "mqtt", 0);
    return mqtt::Connect(variant_.version, client_id_, kKeepAliveSeconds);
  }

  void AppendPublish(std::string& out, std::string_view payload) override {
    if (!variant_.websocket) {
      mqtt::AppendPublish(out, variant_.version, topic_, payload);
      return;
    }
    packet_.clear();
    mqtt::AppendPublish(packet_, variant_.version, topic_, payload);
    out += ws_.Frame(packet_);
  }

  int CountReplies(std::string_view bytes) override {
    std::string replies;
    if (!variant_.websocket) {
      if (!session_.Consume(bytes, nullptr, nullptr, replies)) return -1;
    } else {
      bool was_upgraded = ws_.upgraded();
      data_.clear();
      if (!ws_.Feed(bytes, data_, outbox)) return -1;
      if (!was_upgraded && ws_.upgraded()) {
        outbox += ws_.Frame(mqtt::Connect(variant_.version, client_id_, kKeepAliveSeconds));
      }
      if (!data_.empty() && !session_.Consume(data_, nullptr, nullptr, replies)) return -1;
    }
    ready = session_.connected();
    return 0;
  }

  bool CountsReplies() const override { return false; }

 private:
  Variant variant_;
  std::string host_;
  std::string topic_;
  std::string client_id_;
  Session session_;
  WsStream ws_;
  std::string data_;
  std::string packet_;
};

}  // namespace

std::unique_ptr<SubscriberDialect> MakeMqttSubscriber(const std::string& name, const Target& target,
                                                      uint32_t seed) {
  Variant variant;
  if (!ParseName(name, variant)) return nullptr;
  return std::make_unique<MqttSubscriber>(variant, target, seed);
}

std::unique_ptr<PublisherDialect> MakeMqttPublisher(const std::string& name, const Target& target) {
  Variant variant;
  if (!ParseName(name, variant)) return nullptr;
  return std::make_unique<MqttPublisher>(variant, target);
}

}  // namespace herald::bench
