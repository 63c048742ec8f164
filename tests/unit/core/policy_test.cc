#include "core/policy.h"

#include <gtest/gtest.h>

#include "core/history.h"

namespace herald::core {
namespace {

EventPtr MakeEvent(std::string topic, uint64_t seq, UnixMillis publish_time = 0) {
  auto event = std::make_shared<Event>();
  event->topic = std::move(topic);
  event->epoch = "e";
  event->seq = seq;
  event->payload = "x";
  event->publish_time = publish_time;
  event->edge_time = publish_time;
  return event;
}

TEST(PolicySet, FirstMatchingFilterApplies) {
  TopicPolicy specific{.filter = "quotes/AAPL", .history_depth = 5};
  TopicPolicy general{.filter = "quotes/#", .history_depth = 50};
  PolicySet policies({specific, general});
  ASSERT_NE(policies.For("quotes/AAPL"), nullptr);
  EXPECT_EQ(*policies.For("quotes/AAPL")->history_depth, 5u);
  EXPECT_EQ(*policies.For("quotes/MSFT")->history_depth, 50u);
  EXPECT_EQ(policies.For("scores/nba/1"), nullptr);
}

TEST(PolicySet, WildcardFiltersDoNotMatchReservedTopics) {
  PolicySet policies({TopicPolicy{.filter = "#", .transient = true}});
  EXPECT_EQ(policies.For("$ack"), nullptr);
  EXPECT_NE(policies.For("a"), nullptr);
}

TEST(HistoryPolicy, PerTopicDepthComesFromThePolicy) {
  PolicySet policies({TopicPolicy{.filter = "quotes/#", .history_depth = 2}});
  History history(HistoryLimits{}, std::make_shared<const PolicySet>(policies));
  for (uint64_t seq = 1; seq <= 4; ++seq) history.Append(MakeEvent("quotes/a", seq), 0);
  for (uint64_t seq = 5; seq <= 8; ++seq) history.Append(MakeEvent("scores/a", seq), 0);
  auto quotes = history.After({"quotes/#"}, 0, 100);
  ASSERT_EQ(quotes.items.size(), 2u);
  EXPECT_EQ(quotes.items[0]->seq, 3u);
  EXPECT_FALSE(quotes.complete);
  auto scores = history.After({"scores/#"}, 4, 100);
  EXPECT_EQ(scores.items.size(), 4u);  // the node default (1000 per topic) applies
  EXPECT_TRUE(scores.complete);
}

TEST(HistoryPolicy, PerTopicAgeEvictsOnlyThatTopic) {
  PolicySet policies({TopicPolicy{.filter = "typing/#", .history_max_age_ms = 1000}});
  History history(HistoryLimits{}, std::make_shared<const PolicySet>(policies));
  history.Append(MakeEvent("typing/u1", 1, 10'000), 10'000);
  history.Append(MakeEvent("chat/u1", 2, 10'000), 10'000);
  history.EvictExpired(12'000);  // 2 s later: past typing's 1 s, within the node's hour
  EXPECT_TRUE(history.After({"typing/#"}, 0, 10).items.empty());
  EXPECT_FALSE(history.After({"typing/#"}, 0, 10).complete);
  EXPECT_EQ(history.After({"chat/#"}, 0, 10).items.size(), 1u);
}

}  // namespace
}  // namespace herald::core
