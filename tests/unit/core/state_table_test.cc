#include "core/state_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace herald::core {
namespace {

EventPtr MakeEvent(std::string topic, uint64_t seq, std::string payload, bool retain = true) {
  auto event = std::make_shared<Event>();
  event->topic = std::move(topic);
  event->epoch = "e";
  event->seq = seq;
  event->payload = std::move(payload);
  event->retain = retain;
  return event;
}

// (topic, seq) of each row, in the order returned.
std::vector<std::pair<std::string, uint64_t>> RowsOf(const StateTable::Snapshot& snapshot) {
  std::vector<std::pair<std::string, uint64_t>> rows;
  for (const EventPtr& row : snapshot.rows) rows.emplace_back(row->topic, row->seq);
  return rows;
}

using Rows = std::vector<std::pair<std::string, uint64_t>>;

TEST(StateTable, KeepsOnlyTheLatestEventPerTopic) {
  StateTable table;
  table.Apply(MakeEvent("a", 1, "1"));
  table.Apply(MakeEvent("a", 2, "2"));
  auto snapshot = table.Query({"a"});
  ASSERT_EQ(snapshot.rows.size(), 1u);
  EXPECT_EQ(snapshot.rows[0]->payload, "2");
  EXPECT_EQ(snapshot.rows[0]->seq, 2u);
  EXPECT_EQ(table.size(), 1u);
}

TEST(StateTable, TransientEventLeavesTheRowButAdvancesLastSeq) {
  StateTable table;
  table.Apply(MakeEvent("a", 1, "kept"));
  table.Apply(MakeEvent("a", 2, "passing", /*retain=*/false));
  table.Apply(MakeEvent("b", 3, "passing", /*retain=*/false));
  auto snapshot = table.Query({"#"});
  EXPECT_EQ(RowsOf(snapshot), (Rows{{"a", 1}}));
  EXPECT_EQ(snapshot.rows[0]->payload, "kept");
  EXPECT_EQ(snapshot.last_seq, 3u);
  EXPECT_EQ(table.last_seq(), 3u);
  EXPECT_EQ(table.size(), 1u);
}

TEST(StateTable, TransientEventLeavesTheFingerprint) {
  StateTable table;
  table.Apply(MakeEvent("a", 1, "kept"));
  uint64_t before = table.Query({"a"}).fingerprint;
  table.Apply(MakeEvent("a", 2, "passing", /*retain=*/false));
  EXPECT_EQ(table.Query({"a"}).fingerprint, before);
}

TEST(StateTable, EmptyPayloadDeletesTheRow) {
  StateTable table;
  table.Apply(MakeEvent("a", 1, "x"));
  table.Apply(MakeEvent("b", 2, "y"));
  table.Apply(MakeEvent("a", 3, ""));
  EXPECT_EQ(RowsOf(table.Query({"#"})), (Rows{{"b", 2}}));
  EXPECT_EQ(RowsOf(table.Query({"a"})), Rows{});
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.last_seq(), 3u);
}

TEST(StateTable, DeletingAnUnknownTopicKeepsSizeAtZero) {
  StateTable table;
  table.Apply(MakeEvent("a", 1, ""));
  table.Apply(MakeEvent("a", 2, ""));
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(RowsOf(table.Query({"#"})), Rows{});
}

TEST(StateTable, RowComesBackAfterDelete) {
  StateTable table;
  table.Apply(MakeEvent("a", 1, "x"));
  table.Apply(MakeEvent("a", 2, ""));
  table.Apply(MakeEvent("a", 3, "z"));
  EXPECT_EQ(RowsOf(table.Query({"a"})), (Rows{{"a", 3}}));
  EXPECT_EQ(table.size(), 1u);
}

TEST(StateTable, QueryReturnsRowsInIncreasingSeq) {
  StateTable table;
  table.Apply(MakeEvent("s/c", 1, "1"));
  table.Apply(MakeEvent("s/a", 2, "2"));
  table.Apply(MakeEvent("s/b", 3, "3"));
  table.Apply(MakeEvent("s/c", 4, "4"));
  table.Apply(MakeEvent("t/x", 5, "5"));
  EXPECT_EQ(RowsOf(table.Query({"s/#"})), (Rows{{"s/a", 2}, {"s/b", 3}, {"s/c", 4}}));
  EXPECT_EQ(RowsOf(table.Query({"t/x", "s/a", "s/c"})), (Rows{{"s/a", 2}, {"s/c", 4}, {"t/x", 5}}));
}

TEST(StateTable, QueryMatchesFiltersWithWildcardRules) {
  StateTable table;
  table.Apply(MakeEvent("a", 1, "1"));
  table.Apply(MakeEvent("a/b", 2, "2"));
  table.Apply(MakeEvent("a/b/c", 3, "3"));
  table.Apply(MakeEvent("$SYS/x", 4, "4"));
  EXPECT_EQ(RowsOf(table.Query({"a/+"})), (Rows{{"a/b", 2}}));
  EXPECT_EQ(RowsOf(table.Query({"a/#"})), (Rows{{"a", 1}, {"a/b", 2}, {"a/b/c", 3}}));
  EXPECT_EQ(RowsOf(table.Query({"#"})), (Rows{{"a", 1}, {"a/b", 2}, {"a/b/c", 3}}));
  EXPECT_EQ(RowsOf(table.Query({"$SYS/#"})), (Rows{{"$SYS/x", 4}}));
  EXPECT_EQ(RowsOf(table.Query({"$SYS/x"})), (Rows{{"$SYS/x", 4}}));
}

TEST(StateTable, QueryListsARowMatchedBySeveralFiltersOnce) {
  StateTable table;
  table.Apply(MakeEvent("a/b", 1, "1"));
  EXPECT_EQ(RowsOf(table.Query({"a/b", "a/b"})), (Rows{{"a/b", 1}}));
  EXPECT_EQ(RowsOf(table.Query({"a/+", "a/#", "a/b"})), (Rows{{"a/b", 1}}));
  EXPECT_EQ(table.Query({"a/b", "a/b"}).fingerprint, table.Query({"a/b"}).fingerprint);
  EXPECT_EQ(table.Query({"a/+", "a/#"}).fingerprint, table.Query({"a/b"}).fingerprint);
}

TEST(StateTable, QueryWithNoFiltersReturnsNothing) {
  StateTable table;
  table.Apply(MakeEvent("a", 1, "1"));
  auto snapshot = table.Query({});
  EXPECT_EQ(RowsOf(snapshot), Rows{});
  EXPECT_EQ(snapshot.last_seq, 1u);
}

TEST(StateTable, EmptyTableReportsZeros) {
  StateTable table;
  auto snapshot = table.Query({"#"});
  EXPECT_EQ(RowsOf(snapshot), Rows{});
  EXPECT_EQ(snapshot.last_seq, 0u);
  EXPECT_EQ(table.last_seq(), 0u);
  EXPECT_EQ(table.size(), 0u);
}

TEST(StateTable, FingerprintIsStableWhileNothingChanges) {
  StateTable table;
  table.Apply(MakeEvent("a/1", 1, "x"));
  table.Apply(MakeEvent("a/2", 2, "y"));
  EXPECT_EQ(table.Query({"a/#"}).fingerprint, table.Query({"a/#"}).fingerprint);
  EXPECT_NE(table.Query({"a/#"}).fingerprint, 0u);
}

TEST(StateTable, FingerprintChangesWhenAMatchedRowChanges) {
  StateTable table;
  table.Apply(MakeEvent("a/1", 1, "x"));
  table.Apply(MakeEvent("a/2", 2, "y"));
  uint64_t wildcard = table.Query({"a/#"}).fingerprint;
  uint64_t literal = table.Query({"a/1"}).fingerprint;
  table.Apply(MakeEvent("a/1", 3, "x"));  // same payload, new event
  EXPECT_NE(table.Query({"a/#"}).fingerprint, wildcard);
  EXPECT_NE(table.Query({"a/1"}).fingerprint, literal);
}

TEST(StateTable, FingerprintChangesWhenAMatchedRowIsAdded) {
  StateTable table;
  table.Apply(MakeEvent("a/1", 1, "x"));
  uint64_t before = table.Query({"a/#"}).fingerprint;
  table.Apply(MakeEvent("a/2", 2, "y"));
  EXPECT_NE(table.Query({"a/#"}).fingerprint, before);
}

TEST(StateTable, FingerprintChangesWhenAMatchedRowIsDeleted) {
  StateTable table;
  table.Apply(MakeEvent("a/1", 1, "x"));
  table.Apply(MakeEvent("a/2", 2, "y"));
  uint64_t wildcard = table.Query({"a/#"}).fingerprint;
  uint64_t literal = table.Query({"a/2"}).fingerprint;
  table.Apply(MakeEvent("a/2", 3, ""));
  uint64_t wildcard_after = table.Query({"a/#"}).fingerprint;
  EXPECT_NE(wildcard_after, wildcard);
  EXPECT_NE(table.Query({"a/2"}).fingerprint, literal);
  // Publishing again after the delete is a change too.
  table.Apply(MakeEvent("a/2", 4, "y"));
  EXPECT_NE(table.Query({"a/#"}).fingerprint, wildcard_after);
}

TEST(StateTable, FilterWhoseRowsAreAllDeletedHasTheEmptyFingerprint) {
  // Nothing of a deleted topic is kept: a filter over deleted topics looks like one that never
  // matched (docs/protocol.md: the ETag of no rows is "<epoch>-0000000000000000").
  StateTable table;
  for (uint64_t seq = 1; seq <= 100; ++seq) {
    table.Apply(MakeEvent("game/" + std::to_string(seq), 2 * seq - 1, "live"));
    table.Apply(MakeEvent("game/" + std::to_string(seq), 2 * seq, ""));
  }
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.Query({"game/#"}).fingerprint, 0u);
  EXPECT_EQ(table.Query({"game/7"}).fingerprint, 0u);
  EXPECT_EQ(table.OldestLiveSeq(), UINT64_MAX);
}

TEST(StateTable, FingerprintIgnoresRowsOutsideTheFilters) {
  StateTable table;
  table.Apply(MakeEvent("a/1", 1, "x"));
  table.Apply(MakeEvent("b/1", 2, "y"));
  uint64_t before = table.Query({"a/#"}).fingerprint;
  table.Apply(MakeEvent("b/1", 3, "z"));
  table.Apply(MakeEvent("b/2", 4, "z"));
  table.Apply(MakeEvent("b/2", 5, ""));
  EXPECT_EQ(table.Query({"a/#"}).fingerprint, before);
}

TEST(StateTable, FingerprintDoesNotDependOnFilterOrder) {
  StateTable table;
  table.Apply(MakeEvent("a", 1, "x"));
  table.Apply(MakeEvent("b", 2, "y"));
  EXPECT_EQ(table.Query({"a", "b"}).fingerprint, table.Query({"b", "a"}).fingerprint);
  EXPECT_EQ(table.Query({"a", "b"}).fingerprint, table.Query({"+"}).fingerprint);
}

TEST(StateTable, SnapshotRowsStayValidAfterLaterApplies) {
  StateTable table;
  table.Apply(MakeEvent("a", 1, "old"));
  auto snapshot = table.Query({"a"});
  table.Apply(MakeEvent("a", 2, ""));
  ASSERT_EQ(snapshot.rows.size(), 1u);
  EXPECT_EQ(snapshot.rows[0]->payload, "old");
}

TEST(StateTable, OldestLiveSeqIsTheOldestCurrentValue) {
  StateTable table;
  EXPECT_EQ(table.OldestLiveSeq(), UINT64_MAX);
  table.Apply(MakeEvent("a", 1, "1"));
  table.Apply(MakeEvent("b", 2, "2"));
  EXPECT_EQ(table.OldestLiveSeq(), 1u);
  table.Apply(MakeEvent("a", 3, "3"));  // a's value moves on: b's is now the oldest
  EXPECT_EQ(table.OldestLiveSeq(), 2u);
  table.Apply(MakeEvent("b", 4, ""));  // deleted rows pin nothing
  EXPECT_EQ(table.OldestLiveSeq(), 3u);
}

}  // namespace
}  // namespace herald::core
