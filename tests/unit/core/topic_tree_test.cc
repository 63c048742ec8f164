#include "core/topic_tree.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace herald::core {
namespace {

std::vector<SubscriberId> MatchOf(const TopicTree& tree, std::string_view topic) {
  std::vector<SubscriberId> matches;
  tree.Match(topic, matches);
  return matches;
}

using Ids = std::vector<SubscriberId>;

TEST(TopicTree, LiteralFilterMatchesOnlyItsTopic) {
  TopicTree tree;
  tree.Subscribe("a/b", 1);
  EXPECT_EQ(MatchOf(tree, "a/b"), Ids{1});
  EXPECT_EQ(MatchOf(tree, "a"), Ids{});
  EXPECT_EQ(MatchOf(tree, "a/b/c"), Ids{});
  EXPECT_EQ(MatchOf(tree, "a/c"), Ids{});
}

TEST(TopicTree, PlusMatchesExactlyOneLevel) {
  TopicTree tree;
  tree.Subscribe("a/+", 1);
  tree.Subscribe("+/b/+", 2);
  EXPECT_EQ(MatchOf(tree, "a/x"), Ids{1});
  EXPECT_EQ(MatchOf(tree, "a"), Ids{});
  EXPECT_EQ(MatchOf(tree, "a/x/y"), Ids{});
  EXPECT_EQ(MatchOf(tree, "z/b/y"), Ids{2});
  EXPECT_EQ(MatchOf(tree, "z/b"), Ids{});
  EXPECT_EQ(MatchOf(tree, "z/b/y/w"), Ids{});
}

TEST(TopicTree, HashMatchesEveryLevelBelowAndTheParent) {
  TopicTree tree;
  tree.Subscribe("a/#", 1);
  EXPECT_EQ(MatchOf(tree, "a"), Ids{1});
  EXPECT_EQ(MatchOf(tree, "a/b"), Ids{1});
  EXPECT_EQ(MatchOf(tree, "a/b/c/d"), Ids{1});
  EXPECT_EQ(MatchOf(tree, "b"), Ids{});
  EXPECT_EQ(MatchOf(tree, "b/a"), Ids{});
}

TEST(TopicTree, RootHashMatchesEveryUnreservedTopic) {
  TopicTree tree;
  tree.Subscribe("#", 7);
  EXPECT_EQ(MatchOf(tree, "a"), Ids{7});
  EXPECT_EQ(MatchOf(tree, "a/b/c"), Ids{7});
  EXPECT_EQ(MatchOf(tree, "a/$b"), Ids{7});
}

TEST(TopicTree, WildcardFirstFiltersNeverMatchReservedTopics) {
  TopicTree tree;
  tree.Subscribe("#", 1);
  tree.Subscribe("+/x", 2);
  tree.Subscribe("+/#", 3);
  tree.Subscribe("$SYS/#", 4);
  tree.Subscribe("$SYS/+", 5);
  EXPECT_EQ(MatchOf(tree, "$SYS/x"), (Ids{4, 5}));
  EXPECT_EQ(MatchOf(tree, "$SYS"), Ids{4});
  EXPECT_EQ(MatchOf(tree, "SYS/x"), (Ids{1, 2, 3}));
}

TEST(TopicTree, SubscriberMatchedBySeveralFiltersAppearsOnce) {
  TopicTree tree;
  tree.Subscribe("#", 1);
  tree.Subscribe("a/#", 1);
  tree.Subscribe("a/+", 1);
  tree.Subscribe("+/b", 1);
  tree.Subscribe("a/b", 1);
  tree.Subscribe("a/b", 2);
  EXPECT_EQ(MatchOf(tree, "a/b"), (Ids{1, 2}));
}

TEST(TopicTree, MatchAppendsWithoutTouchingEarlierEntries) {
  TopicTree tree;
  tree.Subscribe("a", 5);
  tree.Subscribe("#", 3);
  std::vector<SubscriberId> matches = {9, 5};
  tree.Match("a", matches);
  EXPECT_EQ(matches, (Ids{9, 5, 3, 5}));
}

TEST(TopicTree, SubscribeTwiceReturnsFalseAndCountsOnce) {
  TopicTree tree;
  EXPECT_TRUE(tree.Subscribe("a/+", 1));
  EXPECT_FALSE(tree.Subscribe("a/+", 1));
  EXPECT_TRUE(tree.Subscribe("a/+", 2));
  EXPECT_TRUE(tree.Subscribe("a/#", 1));
  EXPECT_FALSE(tree.Subscribe("a/#", 1));
  EXPECT_EQ(tree.subscription_count(), 3u);
}

TEST(TopicTree, UnsubscribeRemovesOnlyThatFilter) {
  TopicTree tree;
  tree.Subscribe("a/b", 1);
  tree.Subscribe("a/#", 1);
  tree.Subscribe("a/b", 2);
  EXPECT_TRUE(tree.Unsubscribe("a/b", 1));
  EXPECT_EQ(MatchOf(tree, "a/b"), (Ids{1, 2}));  // 1 still through "a/#"
  EXPECT_TRUE(tree.Unsubscribe("a/#", 1));
  EXPECT_EQ(MatchOf(tree, "a/b"), Ids{2});
  EXPECT_EQ(tree.subscription_count(), 1u);
}

TEST(TopicTree, UnsubscribeUnknownReturnsFalse) {
  TopicTree tree;
  EXPECT_FALSE(tree.Unsubscribe("a/b", 1));
  tree.Subscribe("a/b", 1);
  EXPECT_FALSE(tree.Unsubscribe("a/b", 2));    // known filter, other subscriber
  EXPECT_FALSE(tree.Unsubscribe("a", 1));      // a prefix of a known filter
  EXPECT_FALSE(tree.Unsubscribe("a/b/c", 1));  // longer than a known filter
  EXPECT_FALSE(tree.Unsubscribe("a/#", 1));
  EXPECT_FALSE(tree.Unsubscribe("#", 1));
  EXPECT_EQ(tree.subscription_count(), 1u);
  EXPECT_TRUE(tree.Unsubscribe("a/b", 1));
  EXPECT_FALSE(tree.Unsubscribe("a/b", 1));  // already gone
  EXPECT_EQ(tree.subscription_count(), 0u);
}

TEST(TopicTree, UnsubscribePrunesEmptyBranchesSoTheyCanBeReused) {
  TopicTree tree;
  tree.Subscribe("a/b/c", 1);
  tree.Subscribe("a/+/#", 2);
  EXPECT_TRUE(tree.Unsubscribe("a/b/c", 1));
  EXPECT_TRUE(tree.Unsubscribe("a/+/#", 2));
  // Pruned nodes are gone: unsubscribing under them again finds nothing, and nothing matches.
  EXPECT_FALSE(tree.Unsubscribe("a/b/c", 1));
  EXPECT_FALSE(tree.Unsubscribe("a/+/#", 2));
  EXPECT_EQ(MatchOf(tree, "a/b/c"), Ids{});
  EXPECT_EQ(tree.subscription_count(), 0u);
  EXPECT_TRUE(tree.Subscribe("a/b/c", 3));
  EXPECT_EQ(MatchOf(tree, "a/b/c"), Ids{3});
}

TEST(TopicTree, PruningKeepsBranchesOthersStillUse) {
  TopicTree tree;
  tree.Subscribe("a/b/c", 1);
  tree.Subscribe("a/b", 2);
  tree.Subscribe("a/b/#", 3);
  EXPECT_TRUE(tree.Unsubscribe("a/b/c", 1));
  EXPECT_EQ(MatchOf(tree, "a/b"), (Ids{2, 3}));
  EXPECT_EQ(MatchOf(tree, "a/b/c"), Ids{3});
}

TEST(TopicTree, MatchesAtTheLevelLimit) {
  std::string topic = "l";
  for (int i = 1; i < 32; ++i) topic += "/l";
  TopicTree tree;
  tree.Subscribe(topic, 1);
  tree.Subscribe("l/#", 2);
  EXPECT_EQ(MatchOf(tree, topic), (Ids{1, 2}));
}

}  // namespace
}  // namespace herald::core
