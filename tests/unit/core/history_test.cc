#include "core/history.h"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace herald::core {
namespace {

constexpr HistoryLimits kRoomy{
    .max_events = 1000, .max_events_per_topic = 1000, .max_age_ms = 1'000'000};

EventPtr MakeEvent(std::string topic, uint64_t seq, UnixMillis edge_time = 0) {
  auto event = std::make_shared<Event>();
  event->topic = std::move(topic);
  event->epoch = "e";
  event->seq = seq;
  event->payload = "p" + std::to_string(seq);
  event->edge_time = edge_time;
  return event;
}

std::vector<uint64_t> SeqsOf(const History::Page& page) {
  std::vector<uint64_t> seqs;
  for (const EventPtr& e : page.items) seqs.push_back(e->seq);
  return seqs;
}

using Seqs = std::vector<uint64_t>;

// Appends one event per topic, with seqs 1, 2, ... and every edge_time 0, at time 0.
void AppendTopics(History& history, const std::vector<std::string>& topics) {
  uint64_t seq = history.last_seq();
  for (const std::string& topic : topics) history.Append(MakeEvent(topic, ++seq), 0);
}

TEST(History, EmptyHistoryIsCompleteAndEmpty) {
  History history(kRoomy);
  auto page = history.After({"#"}, 0, 10);
  EXPECT_EQ(SeqsOf(page), Seqs{});
  EXPECT_TRUE(page.complete);
  EXPECT_FALSE(page.more);
  EXPECT_EQ(page.last_seq, 0u);
  EXPECT_EQ(history.size(), 0u);
  EXPECT_EQ(history.last_seq(), 0u);
}

TEST(History, AfterReturnsMatchingEventsAfterSinceOldestFirst) {
  History history(kRoomy);
  AppendTopics(history, {"a/1", "b/1", "a/2", "a/1", "b/2"});
  auto page = history.After({"a/#"}, 1, 10);
  EXPECT_EQ(SeqsOf(page), (Seqs{3, 4}));
  EXPECT_TRUE(page.complete);
  EXPECT_FALSE(page.more);
  EXPECT_EQ(page.last_seq, 5u);
  EXPECT_EQ(SeqsOf(history.After({"a/#"}, 0, 10)), (Seqs{1, 3, 4}));
  EXPECT_EQ(SeqsOf(history.After({"a/1", "b/+"}, 0, 10)), (Seqs{1, 2, 4, 5}));
}

TEST(History, AfterAppliesTheReservedTopicRule) {
  History history(kRoomy);
  AppendTopics(history, {"$SYS/x", "a"});
  EXPECT_EQ(SeqsOf(history.After({"#"}, 0, 10)), Seqs{2});
  EXPECT_EQ(SeqsOf(history.After({"$SYS/#"}, 0, 10)), Seqs{1});
}

TEST(History, AfterTheLastSeqIsEmptyAndComplete) {
  History history(kRoomy);
  AppendTopics(history, {"a", "a"});
  auto page = history.After({"#"}, 2, 10);
  EXPECT_EQ(SeqsOf(page), Seqs{});
  EXPECT_TRUE(page.complete);
  EXPECT_FALSE(page.more);
  EXPECT_EQ(SeqsOf(history.After({"#"}, 7, 10)), Seqs{});
}

TEST(History, AfterTheLargestSeqIsEmpty) {
  History history(kRoomy);
  AppendTopics(history, {"a", "a"});
  auto page = history.After({"#"}, std::numeric_limits<uint64_t>::max(), 10);
  EXPECT_EQ(SeqsOf(page), Seqs{});
  EXPECT_TRUE(page.complete);
}

TEST(History, AfterCutAtLimitSetsMoreAndResumesFromTheLastItem) {
  History history(kRoomy);
  AppendTopics(history, {"a", "b", "a", "a", "b", "a"});
  auto first = history.After({"a"}, 0, 2);
  EXPECT_EQ(SeqsOf(first), (Seqs{1, 3}));
  EXPECT_TRUE(first.more);
  EXPECT_TRUE(first.complete);
  auto second = history.After({"a"}, first.items.back()->seq, 2);
  EXPECT_EQ(SeqsOf(second), (Seqs{4, 6}));
  EXPECT_FALSE(second.more);  // exactly `limit` left is not "more"
}

TEST(History, AfterWithZeroLimitReportsMoreWhenAnythingMatches) {
  History history(kRoomy);
  AppendTopics(history, {"a"});
  EXPECT_TRUE(history.After({"a"}, 0, 0).more);
  EXPECT_FALSE(history.After({"b"}, 0, 0).more);
}

TEST(History, ReplayedAppendIsIgnored) {
  History history(kRoomy);
  AppendTopics(history, {"a", "b"});
  history.Append(MakeEvent("c", 2), 0);
  history.Append(MakeEvent("c", 1), 0);
  EXPECT_EQ(history.size(), 2u);
  EXPECT_EQ(history.last_seq(), 2u);
  EXPECT_EQ(SeqsOf(history.After({"c"}, 0, 10)), Seqs{});
}

TEST(History, GapMakesEverythingBeforeItIncomplete) {
  History history(kRoomy);
  AppendTopics(history, {"a", "a"});
  history.Append(MakeEvent("a", 5), 0);  // 3 and 4 never arrived
  EXPECT_EQ(history.last_seq(), 5u);
  auto before_gap = history.After({"#"}, 2, 10);
  EXPECT_FALSE(before_gap.complete);
  EXPECT_EQ(SeqsOf(before_gap), Seqs{5});
  EXPECT_FALSE(history.After({"#"}, 0, 10).complete);
  EXPECT_FALSE(history.After({"#"}, 3, 10).complete);
  auto after_gap = history.After({"#"}, 4, 10);
  EXPECT_TRUE(after_gap.complete);
  EXPECT_EQ(SeqsOf(after_gap), Seqs{5});
}

TEST(History, SeqsStayContiguousAfterAGap) {
  History history(kRoomy);
  AppendTopics(history, {"a"});
  history.Append(MakeEvent("a", 10), 0);
  history.Append(MakeEvent("b", 11), 0);
  history.Append(MakeEvent("a", 12), 0);
  EXPECT_EQ(SeqsOf(history.After({"a"}, 9, 10)), (Seqs{10, 12}));
  EXPECT_EQ(SeqsOf(history.After({"#"}, 10, 10)), (Seqs{11, 12}));
  EXPECT_EQ(SeqsOf(history.After({"#"}, 11, 10)), Seqs{12});
  EXPECT_EQ(history.last_seq(), 12u);
}

TEST(History, FirstEventAfterSeqOneMeansEarlierEventsAreUnknown) {
  History history(kRoomy);
  history.Append(MakeEvent("a", 10), 0);
  EXPECT_FALSE(history.After({"a"}, 0, 10).complete);
  EXPECT_TRUE(history.After({"a"}, 9, 10).complete);
  EXPECT_EQ(SeqsOf(history.After({"a"}, 0, 10)), Seqs{10});
}

TEST(History, CountLimitEvictsOldestAndMakesEarlierSinceIncomplete) {
  History history({.max_events = 3, .max_events_per_topic = 1000, .max_age_ms = 1'000'000});
  AppendTopics(history, {"a", "b", "c", "d", "e"});
  EXPECT_EQ(history.size(), 3u);
  auto page = history.After({"#"}, 0, 10);
  EXPECT_EQ(SeqsOf(page), (Seqs{3, 4, 5}));
  EXPECT_FALSE(page.complete);
  // Global eviction does not know which topics it removed: any filter is incomplete.
  EXPECT_FALSE(history.After({"zzz"}, 1, 10).complete);
  auto resumed = history.After({"#"}, 2, 10);
  EXPECT_EQ(SeqsOf(resumed), (Seqs{3, 4, 5}));
  EXPECT_TRUE(resumed.complete);
}

TEST(History, PerTopicLimitEvictsOnlyThatTopic) {
  History history({.max_events = 1000, .max_events_per_topic = 2, .max_age_ms = 1'000'000});
  AppendTopics(history, {"cold", "hot", "hot", "hot", "hot", "cold"});
  EXPECT_EQ(history.size(), 4u);
  EXPECT_EQ(SeqsOf(history.After({"#"}, 0, 10)), (Seqs{1, 4, 5, 6}));
}

TEST(History, PerTopicEvictionIsIncompleteOnlyForFiltersMatchingThatTopic) {
  History history({.max_events = 1000, .max_events_per_topic = 2, .max_age_ms = 1'000'000});
  AppendTopics(history, {"cold/1", "hot/1", "hot/1", "hot/1", "hot/1", "cold/2"});
  // hot/1's seqs 2 and 3 were evicted.
  auto cold = history.After({"cold/#"}, 0, 10);
  EXPECT_TRUE(cold.complete);
  EXPECT_EQ(SeqsOf(cold), (Seqs{1, 6}));
  EXPECT_FALSE(history.After({"hot/1"}, 0, 10).complete);
  EXPECT_FALSE(history.After({"hot/+"}, 0, 10).complete);
  EXPECT_FALSE(history.After({"#"}, 0, 10).complete);
  EXPECT_FALSE(history.After({"cold/#", "hot/#"}, 0, 10).complete);
  EXPECT_FALSE(history.After({"hot/1"}, 2, 10).complete);
  // Nothing after seq 3 was evicted.
  auto hot = history.After({"hot/1"}, 3, 10);
  EXPECT_TRUE(hot.complete);
  EXPECT_EQ(SeqsOf(hot), (Seqs{4, 5}));
}

TEST(History, PerTopicEvictionAtTheFrontKeepsOtherTopicsComplete) {
  // The evicted hot events are the oldest in the log, so they leave from its front.
  History history({.max_events = 1000, .max_events_per_topic = 1, .max_age_ms = 1'000'000});
  AppendTopics(history, {"hot", "hot", "hot", "cold", "hot"});
  auto cold = history.After({"cold"}, 0, 10);
  EXPECT_EQ(SeqsOf(cold), Seqs{4});
  EXPECT_TRUE(cold.complete);
  EXPECT_FALSE(history.After({"hot"}, 0, 10).complete);
  EXPECT_FALSE(history.After({"hot"}, 2, 10).complete);
  auto hot = history.After({"hot"}, 3, 10);  // seqs 1-3 of hot were evicted, nothing after
  EXPECT_EQ(SeqsOf(hot), Seqs{5});
  EXPECT_TRUE(hot.complete);
  EXPECT_EQ(history.size(), 2u);
}

TEST(History, PerTopicEvictionStaysIncompleteAfterTheTopicLeavesByCount) {
  History history({.max_events = 2, .max_events_per_topic = 1, .max_age_ms = 1'000'000});
  AppendTopics(history, {"x", "hot", "hot", "a", "b"});
  // hot's 2 left by the per-topic limit, its 3 by the count limit.
  EXPECT_EQ(SeqsOf(history.After({"#"}, 0, 10)), (Seqs{4, 5}));
  EXPECT_FALSE(history.After({"hot"}, 1, 10).complete);
  EXPECT_FALSE(history.After({"hot"}, 2, 10).complete);
  EXPECT_TRUE(history.After({"hot"}, 3, 10).complete);
}

TEST(History, AgeLimitEvictsOnAppend) {
  History history({.max_events = 1000, .max_events_per_topic = 1000, .max_age_ms = 100});
  history.Append(MakeEvent("a", 1, 1000), 1000);
  history.Append(MakeEvent("a", 2, 1050), 1050);
  history.Append(MakeEvent("a", 3, 1101), 1101);  // seq 1 is now 101 ms old
  EXPECT_EQ(history.size(), 2u);
  auto page = history.After({"a"}, 0, 10);
  EXPECT_EQ(SeqsOf(page), (Seqs{2, 3}));
  EXPECT_FALSE(page.complete);
  EXPECT_TRUE(history.After({"a"}, 1, 10).complete);
}

TEST(History, EventExactlyAtTheAgeLimitIsKept) {
  History history({.max_events = 1000, .max_events_per_topic = 1000, .max_age_ms = 100});
  history.Append(MakeEvent("a", 1, 1000), 1000);
  history.EvictExpired(1100);
  EXPECT_EQ(history.size(), 1u);
  history.EvictExpired(1101);
  EXPECT_EQ(history.size(), 0u);
}

TEST(History, EvictExpiredRemovesOnlyOldEvents) {
  History history({.max_events = 1000, .max_events_per_topic = 1000, .max_age_ms = 100});
  history.Append(MakeEvent("a", 1, 1000), 1000);
  history.Append(MakeEvent("b", 2, 1060), 1060);
  history.Append(MakeEvent("a", 3, 1090), 1090);
  history.EvictExpired(1165);
  EXPECT_EQ(SeqsOf(history.After({"#"}, 0, 10)), (Seqs{3}));
  EXPECT_FALSE(history.After({"#"}, 1, 10).complete);
  EXPECT_TRUE(history.After({"#"}, 2, 10).complete);
  EXPECT_EQ(history.last_seq(), 3u);
}

TEST(History, EverythingExpiredKeepsLastSeqAndAcceptsTheNextEvent) {
  History history({.max_events = 1000, .max_events_per_topic = 1000, .max_age_ms = 100});
  history.Append(MakeEvent("a", 1, 0), 0);
  history.Append(MakeEvent("a", 2, 0), 0);
  history.EvictExpired(500);
  EXPECT_EQ(history.size(), 0u);
  EXPECT_EQ(history.last_seq(), 2u);
  EXPECT_TRUE(history.After({"a"}, 2, 10).complete);
  EXPECT_FALSE(history.After({"a"}, 1, 10).complete);
  history.Append(MakeEvent("a", 3, 500), 500);
  auto page = history.After({"a"}, 2, 10);
  EXPECT_EQ(SeqsOf(page), Seqs{3});
  EXPECT_TRUE(page.complete);
}

TEST(History, LatestReturnsTheMostRecentMatchesOldestFirst) {
  History history(kRoomy);
  AppendTopics(history, {"a", "b", "a", "a", "b", "a"});
  auto page = history.Latest({"a"}, 2);
  EXPECT_EQ(SeqsOf(page), (Seqs{4, 6}));
  EXPECT_TRUE(page.more);
  EXPECT_EQ(page.last_seq, 6u);
  auto all = history.Latest({"a"}, 10);
  EXPECT_EQ(SeqsOf(all), (Seqs{1, 3, 4, 6}));
  EXPECT_FALSE(all.more);
  EXPECT_TRUE(all.complete);
}

TEST(History, LatestIsIncompleteAfterEviction) {
  History history({.max_events = 2, .max_events_per_topic = 1000, .max_age_ms = 1'000'000});
  AppendTopics(history, {"a", "b", "c"});
  auto page = history.Latest({"#"}, 10);
  EXPECT_EQ(SeqsOf(page), (Seqs{2, 3}));
  EXPECT_FALSE(page.complete);
}

TEST(History, LatestIsIncompleteOnlyForTheTopicThatLostEvents) {
  History history({.max_events = 1000, .max_events_per_topic = 1, .max_age_ms = 1'000'000});
  AppendTopics(history, {"cold", "hot", "hot"});
  EXPECT_TRUE(history.Latest({"cold"}, 10).complete);
  EXPECT_FALSE(history.Latest({"hot"}, 10).complete);
  EXPECT_EQ(SeqsOf(history.Latest({"#"}, 10)), (Seqs{1, 3}));
}

}  // namespace
}  // namespace herald::core
