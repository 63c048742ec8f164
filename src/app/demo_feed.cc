#include "app/demo_feed.h"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

namespace herald::app {
namespace {

struct Game {
  const char* topic;
  const char* home;
  const char* away;
  int home_score = 0;
  int away_score = 0;
  int seconds_left = 12 * 60;
  int quarter = 1;
};

struct Quote {
  const char* topic;
  const char* symbol;
  double price;
  double open;
};

struct City {
  const char* topic;
  const char* name;
  double temp_c;
  double wind_kph;
};

}  // namespace

// The feed's own evolving sample data; each update publishes one topic.
class SampleData {
 public:
  std::pair<std::string, std::string> Next() {
    int kind = static_cast<int>(random_() % 10);
    if (kind < 3) return NextScore();
    if (kind < 8) return NextQuote();
    return NextWeather();
  }

 private:
  std::pair<std::string, std::string> NextScore() {
    Game& g = games_[random_() % games_.size()];
    int points = static_cast<int>(random_() % 4);
    (random_() % 2 ? g.home_score : g.away_score) += points;
    g.seconds_left -= static_cast<int>(5 + random_() % 40);
    if (g.seconds_left <= 0) {
      g.quarter = g.quarter % 4 + 1;
      g.seconds_left = 12 * 60;
      if (g.quarter == 1) g.home_score = g.away_score = 0;
    }
    char json[256];
    std::snprintf(
        json, sizeof json,
        R"({"home":"%s","away":"%s","home_score":%d,"away_score":%d,"period":%d,"clock":"%02d:%02d"})",
        g.home, g.away, g.home_score, g.away_score, g.quarter, g.seconds_left / 60,
        g.seconds_left % 60);
    return {g.topic, json};
  }

  std::pair<std::string, std::string> NextQuote() {
    Quote& q = quotes_[random_() % quotes_.size()];
    std::normal_distribution<double> move(0.0, q.price * 0.001);
    q.price = std::max(0.01, q.price + move(random_));
    char json[256];
    std::snprintf(json, sizeof json, R"({"symbol":"%s","price":%.4f,"change_pct":%.3f})", q.symbol,
                  q.price, (q.price - q.open) / q.open * 100.0);
    return {q.topic, json};
  }

  std::pair<std::string, std::string> NextWeather() {
    City& c = cities_[random_() % cities_.size()];
    std::normal_distribution<double> drift(0.0, 0.3);
    c.temp_c += drift(random_);
    c.wind_kph = std::max(0.0, c.wind_kph + drift(random_) * 3);
    static constexpr std::array<const char*, 4> kSkies = {"clear", "cloudy", "rain", "windy"};
    char json[256];
    std::snprintf(json, sizeof json, R"({"city":"%s","temp_c":%.1f,"wind_kph":%.1f,"sky":"%s"})",
                  c.name, c.temp_c, c.wind_kph, kSkies[random_() % kSkies.size()]);
    return {c.topic, json};
  }

  std::mt19937 random_{std::random_device{}()};
  std::array<Game, 3> games_{{{"scores/nba/game-1", "LAL", "BOS"},
                              {"scores/nba/game-2", "GSW", "MIA"},
                              {"scores/soccer/match-7", "ARS", "BAR"}}};
  std::array<Quote, 4> quotes_{{{"quotes/AAPL", "AAPL", 231.5, 231.5},
                                {"quotes/MSFT", "MSFT", 415.2, 415.2},
                                {"quotes/GOOG", "GOOG", 172.8, 172.8},
                                {"quotes/EURUSD", "EURUSD", 1.0842, 1.0842}}};
  std::array<City, 3> cities_{{{"weather/london", "London", 11.0, 14.0},
                               {"weather/tokyo", "Tokyo", 17.5, 9.0},
                               {"weather/new-york", "New York", 8.0, 20.0}}};
};

DemoFeed::DemoFeed(node::Node& node, int interval_ms)
    : node_(node),
      data_(std::make_unique<SampleData>()),
      thread_(std::chrono::milliseconds(interval_ms), [this] { PublishOne(); }) {}

DemoFeed::~DemoFeed() = default;

void DemoFeed::PublishOne() {
  auto [topic, payload] = data_->Next();
  node_.Publish(node_.shard(0), node::PublishRequest{topic, payload, true, 0},
                [topic = topic](core::Result<node::PublishAck> result) {
                  if (!result) {
                    spdlog::warn("demo feed: publish to {} failed: {}", topic,
                                 result.error().message);
                  }
                });
}

}  // namespace herald::app
