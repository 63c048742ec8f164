#include "inputs.h"

#include <array>
#include <memory>
#include <utility>

namespace herald::bench {

std::string JsonPayload(size_t bytes) {
  std::string out = R"({"home":"GSW","away":"MIA","score":[102,99])";
  // 1 KiB and up carry the latest plays, as a scoreboard feed does.
  const std::string_view play =
      R"({"clock":"2:31","team":"GSW","text":"Curry 27' 3PT jump shot"},)";
  const std::string_view plays_open = R"(,"plays":[)";
  if (bytes >= 256) {
    out += plays_open;
    while (out.size() + play.size() + 16 < bytes) out += play;
    out.back() = ']';
  }
  out += R"(,"n":")";
  while (out.size() + 2 < bytes) out.push_back('x');
  out += "\"}";
  return out;  // longer than `bytes` only when `bytes` < 51
}

std::string TextPayload(size_t bytes) {
  const std::string_view line = "GSW 102 – MIA 99, 4th quarter 2:31, Curry for three. ";
  std::string out;
  while (out.size() < bytes) out += line;
  out.resize(bytes);
  // Never end inside a multi-byte character (the en dash is 3 bytes).
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80) != 0) out.back() = '.';
  return out;
}

std::string BinaryPayload(size_t bytes, uint32_t seed) {
  std::string out(bytes, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  if (!out.empty()) out[0] = static_cast<char>(0xff);  // never valid UTF-8
  return out;
}

std::string_view League(size_t i) {
  static constexpr std::array<std::string_view, 8> kLeagues = {"nba", "nfl", "mlb",  "nhl",
                                                               "epl", "mls", "wnba", "ncaa"};
  return kLeagues[i % kLeagues.size()];
}

std::string GameTopic(size_t i) {
  std::string topic = "scores/";
  topic += League(i);
  topic += "/game-";
  topic += std::to_string(i);
  return topic;
}

core::EventPtr MakeEvent(std::string topic, std::string payload, uint64_t seq,
                         core::UnixMillis edge_time) {
  auto event = std::make_shared<core::Event>();
  event->topic = std::move(topic);
  event->epoch = std::string(kEpoch);
  event->seq = seq;
  event->payload = std::move(payload);
  event->origin_time = edge_time - 3;
  event->publish_time = edge_time - 2;
  event->edge_time = edge_time;
  return event;
}

}  // namespace herald::bench
