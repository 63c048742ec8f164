#include "backbone/state_snapshot.h"

#include <gtest/gtest.h>

#include "backbone/fault_injection_env.h"
#include "backbone/posix_env.h"
#include "temp_dir.h"

namespace herald::backbone {
namespace {

using testing::TempDir;

core::EventPtr Row(std::string topic, uint64_t seq, std::string payload) {
  auto event = std::make_shared<core::Event>();
  event->topic = std::move(topic);
  event->seq = seq;
  event->payload = std::move(payload);
  event->publish_time = 1000 + static_cast<int64_t>(seq);
  return event;
}

TEST(StateSnapshot, RoundTripKeepsEveryRowWithItsIdAndStamps) {
  TempDir tmp;
  std::vector<core::EventPtr> rows = {Row("a", 3, "x"), Row("$sys/b", 7, std::string("\0\1", 2))};
  ASSERT_TRUE(WriteStateSnapshot(DefaultEnv(), tmp.path(), "ep", 9, rows).ok());
  auto loaded = LoadStateSnapshot(DefaultEnv(), tmp.path(), "ep");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->seq, 9u);
  ASSERT_EQ(loaded->rows.size(), 2u);
  EXPECT_EQ(loaded->rows[1]->topic, "$sys/b");
  EXPECT_EQ(loaded->rows[1]->payload, std::string("\0\1", 2));
  EXPECT_EQ(loaded->rows[1]->seq, 7u);
  EXPECT_EQ(loaded->rows[1]->publish_time, 1007);
  EXPECT_EQ(loaded->rows[1]->epoch, "ep");
}

TEST(StateSnapshot, RowsOnTheMarkerTopicsAreRowsLikeAnyOther) {
  // "$end" and "$snapshot" are topics a client may publish to; the markers are told apart
  // from rows by more than their topic.
  TempDir tmp;
  std::vector<core::EventPtr> rows = {Row("a/x", 2, "v1"), Row("$end", 3, "hello"),
                                      Row("$snapshot", 4, "ep"), Row("b", 5, "y")};
  ASSERT_TRUE(WriteStateSnapshot(DefaultEnv(), tmp.path(), "ep", 5, rows).ok());
  auto loaded = LoadStateSnapshot(DefaultEnv(), tmp.path(), "ep");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->seq, 5u);
  ASSERT_EQ(loaded->rows.size(), 4u);
  EXPECT_EQ(loaded->rows[1]->topic, "$end");
  EXPECT_EQ(loaded->rows[1]->payload, "hello");
  EXPECT_EQ(loaded->rows[3]->topic, "b");
}

TEST(StateSnapshot, NoneIsSeqZero) {
  TempDir tmp;
  auto loaded = LoadStateSnapshot(DefaultEnv(), tmp.path(), "ep");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->seq, 0u);
}

TEST(StateSnapshot, ACorruptNewestFallsBackToTheOneBefore) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  ASSERT_TRUE(WriteStateSnapshot(env, tmp.path(), "ep", 5, {Row("a", 5, "old")}).ok());
  ASSERT_TRUE(WriteStateSnapshot(env, tmp.path(), "ep", 8, {Row("a", 8, "new")}).ok());
  ASSERT_TRUE(env.CorruptByte(tmp.path() + "/snapshot-00000000000000000008.hsnap", 30).ok());
  auto loaded = LoadStateSnapshot(env, tmp.path(), "ep");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->seq, 5u);
  EXPECT_EQ(loaded->rows[0]->payload, "old");
}

TEST(StateSnapshot, AnotherEpochsSnapshotIsNotUsed) {
  TempDir tmp;
  ASSERT_TRUE(WriteStateSnapshot(DefaultEnv(), tmp.path(), "old", 5, {Row("a", 5, "x")}).ok());
  auto loaded = LoadStateSnapshot(DefaultEnv(), tmp.path(), "new");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->seq, 0u);
}

TEST(StateSnapshot, OnlyTheNewestTwoAreKept) {
  TempDir tmp;
  for (uint64_t seq : {2, 4, 6, 8}) {
    ASSERT_TRUE(WriteStateSnapshot(DefaultEnv(), tmp.path(), "ep", seq, {}).ok());
  }
  auto children = DefaultEnv().GetChildren(tmp.path());
  ASSERT_TRUE(children.ok());
  size_t snapshots = 0;
  for (const std::string& name : children.value())
    snapshots += name.find(".hsnap") != std::string::npos;
  EXPECT_EQ(snapshots, 2u);
  EXPECT_EQ(LoadStateSnapshot(DefaultEnv(), tmp.path(), "ep")->seq, 8u);
}

}  // namespace
}  // namespace herald::backbone
