#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace herald::bench {

// One subscriber wire dialect: what to send after connecting, and how to find message payloads
// in what comes back. One instance per connection; it keeps only partial-frame bytes.
class SubscriberDialect {
 public:
  virtual ~SubscriberDialect() = default;
  // Bytes to send once connected (handshake, subscribe).
  virtual std::string Opening() = 0;
  // Bytes to send after the server's handshake reply (e.g. a WebSocket subscribe message).
  virtual std::string AfterHandshake() { return {}; }
  // Consumes received bytes; calls on_payload for each delivered message payload. Returns false
  // on a protocol error (the connection is counted as failed).
  template <typename F>
  bool Feed(std::string_view bytes, F&& on_payload);
  // Set once the handshake is complete (the subscriber counts as connected).
  bool ready = false;
  // Bytes the dialect must send back (pongs); the driver sends and clears them.
  std::string outbox;

 protected:
  virtual bool Parse(std::string_view bytes, void (*emit)(void*, std::string_view), void* ctx) = 0;
};

template <typename F>
bool SubscriberDialect::Feed(std::string_view bytes, F&& on_payload) {
  return Parse(
      bytes, [](void* ctx, std::string_view payload) { (*static_cast<F*>(ctx))(payload); },
      &on_payload);
}

// A publisher dialect: framing of one publish, and how many replies came back.
class PublisherDialect {
 public:
  virtual ~PublisherDialect() = default;
  virtual std::string Opening() { return {}; }
  virtual void AppendPublish(std::string& out, std::string_view payload) = 0;
  // Counts complete replies in `bytes` (HTTP responses, +OK, integers); -1 on an error reply.
  virtual int CountReplies(std::string_view bytes) = 0;
  // False for fire-and-forget protocols (NATS, MQTT QoS 0): no reply per publish is awaited.
  virtual bool CountsReplies() const { return true; }
  // Dialects with a handshake (WebSocket upgrade, MQTT CONNACK) start false and set it from
  // CountReplies; the driver publishes nothing before.
  bool ready = true;
  // Bytes the dialect must send (a CONNECT after the upgrade, pongs); the driver sends and
  // clears them.
  std::string outbox;
  // Replies that refused a publish (HTTP 4xx/5xx), counted among the replies so that later
  // ones still count; the first is kept for the report.
  int64_t refused = 0;
  std::string first_refusal;
};

struct Target {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string topic = "bench/fanout";
  std::string since;                // Herald dialects: resume after this id (reconnect storm)
  std::vector<std::string> topics;  // several topics per connection (quotes); empty: just topic
  int publisher_index = 0;          // publishers: which of --publishers (unique client ids)
};

// The topics one subscriber subscribes: `topics` when set, else `topic` alone.
inline std::vector<std::string> TopicsOf(const Target& target) {
  return target.topics.empty() ? std::vector<std::string>{target.topic} : target.topics;
}

// Dialects: "herald-ws", "herald-sse", "nchan-ws", "nchan-sse", "nats", "nats-ws", "redis",
// "mqtt", "mqtt5", "mqtt-ws", "mqtt5-ws".
std::unique_ptr<SubscriberDialect> MakeSubscriber(const std::string& name, const Target& target,
                                                  uint32_t seed);
// Publishers: "herald-rest", "nchan-http", "nats", "nats-ws", "redis", "mqtt", "mqtt5",
// "mqtt-ws", "mqtt5-ws".
std::unique_ptr<PublisherDialect> MakePublisher(const std::string& name, const Target& target);

// The factories of mqtt_dialect.cc and nats_ws_dialect.cc, which MakeSubscriber and
// MakePublisher consult; nullptr for a name that is not theirs.
std::unique_ptr<SubscriberDialect> MakeMqttSubscriber(const std::string& name, const Target& target,
                                                      uint32_t seed);
std::unique_ptr<PublisherDialect> MakeMqttPublisher(const std::string& name, const Target& target);
std::unique_ptr<SubscriberDialect> MakeNatsWsSubscriber(const std::string& name,
                                                        const Target& target, uint32_t seed);
std::unique_ptr<PublisherDialect> MakeNatsWsPublisher(const std::string& name,
                                                      const Target& target);
// herald_ws_publisher.cc: "herald-ws" publishes over Herald's WebSocket JSON protocol.
std::unique_ptr<PublisherDialect> MakeHeraldWsPublisher(const std::string& name,
                                                        const Target& target);

}  // namespace herald::bench
