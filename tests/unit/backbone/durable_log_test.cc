#include "backbone/durable_log.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "backbone/fault_injection_env.h"
#include "backbone/log_dir.h"
#include "backbone/posix_env.h"
#include "log_test_util.h"
#include "temp_dir.h"

namespace herald::backbone {
namespace {

using testing::Batch;
using testing::OpenLog;
using testing::Range;
using testing::SegmentPath;
using testing::Seqs;
using testing::TempDir;

// Small segments so that a few events span several of them.
DurableLogOptions SmallSegments() {
  DurableLogOptions options;
  options.segment_bytes = 200;
  return options;
}

TEST(DurableLog, NewDirectoryGetsFormatEpochAndFirstSegment) {
  TempDir tmp;
  std::string dir = tmp.Sub("data/log");  // parents are created too
  auto opened = OpenLog(DefaultEnv(), dir);
  ASSERT_TRUE(opened.log.ok()) << opened.log.error().message;
  DurableLog& log = *opened.log.value();
  EXPECT_TRUE(log.recovery().created);
  EXPECT_EQ(log.next_seq(), 1u);
  EXPECT_EQ(DefaultEnv().ReadFileToString(dir + "/FORMAT").value(), "1\n");
  EXPECT_EQ(DefaultEnv().ReadFileToString(dir + "/EPOCH").value(), log.epoch() + "\n");
  EXPECT_TRUE(DefaultEnv().FileExists(dir + "/log-00000000000000000001.hlog"));
}

TEST(DurableLog, RecoversEveryEventAfterCleanClose) {
  TempDir tmp;
  std::string epoch;
  std::vector<EventRecord> expected;
  {
    auto opened = OpenLog(DefaultEnv(), tmp.path());
    ASSERT_TRUE(opened.log.ok());
    expected = Batch(1, 3);
    ASSERT_TRUE(opened.log.value()->Append(expected).ok());
    std::vector<EventRecord> more = Batch(4, 1);
    ASSERT_TRUE(opened.log.value()->Append(more).ok());
    expected.push_back(more[0]);
    epoch = opened.log.value()->epoch();
  }
  auto reopened = OpenLog(DefaultEnv(), tmp.path());
  ASSERT_TRUE(reopened.log.ok()) << reopened.log.error().message;
  EXPECT_FALSE(reopened.log.value()->recovery().created);
  EXPECT_EQ(reopened.log.value()->epoch(), epoch);
  EXPECT_EQ(reopened.log.value()->next_seq(), 5u);
  EXPECT_EQ(reopened.log.value()->recovery().replayed, 4u);
  EXPECT_EQ(reopened.replayed, expected);
  EXPECT_FALSE(reopened.log.value()->recovery().repaired_tail.has_value());
}

TEST(DurableLog, RollsSegmentsAtTheSizeLimitAndRecoversAcrossThem) {
  TempDir tmp;
  {
    auto opened = OpenLog(DefaultEnv(), tmp.path(), SmallSegments());
    ASSERT_TRUE(opened.log.ok());
    for (uint64_t seq = 1; seq <= 20; seq += 2) {
      ASSERT_TRUE(opened.log.value()->Append(Batch(seq, 2)).ok());
    }
    EXPECT_GT(opened.log.value()->segment_count(), 3u);
  }
  auto reopened = OpenLog(DefaultEnv(), tmp.path(), SmallSegments());
  ASSERT_TRUE(reopened.log.ok()) << reopened.log.error().message;
  EXPECT_EQ(Seqs(reopened.replayed), Range(1, 20));
  EXPECT_GT(reopened.log.value()->recovery().segments, 3u);
  EXPECT_TRUE(DefaultEnv().FileExists(SegmentPath(tmp.path(), 1)));
}

TEST(DurableLog, ReplayFromSeqSkipsEarlierEventsButKeepsThem) {
  TempDir tmp;
  {
    auto opened = OpenLog(DefaultEnv(), tmp.path(), SmallSegments());
    ASSERT_TRUE(opened.log.ok());
    for (uint64_t seq = 1; seq <= 12; ++seq)
      ASSERT_TRUE(opened.log.value()->Append(Batch(seq, 1)).ok());
  }
  DurableLogOptions options = SmallSegments();
  options.replay_from_seq = 9;
  auto reopened = OpenLog(DefaultEnv(), tmp.path(), options);
  ASSERT_TRUE(reopened.log.ok());
  EXPECT_EQ(Seqs(reopened.replayed), Range(9, 12));
  EXPECT_EQ(reopened.log.value()->first_seq(), 1u);
  std::vector<EventRecord> again;
  ASSERT_TRUE(reopened.log.value()
                  ->Replay(5, [&again](EventRecord&& event) { again.push_back(event); })
                  .ok());
  EXPECT_EQ(Seqs(again), Range(5, 12));
}

TEST(DurableLog, AppendRefusesSeqsThatDoNotContinueTheLog) {
  TempDir tmp;
  auto opened = OpenLog(DefaultEnv(), tmp.path());
  ASSERT_TRUE(opened.log.ok());
  Status status = opened.log.value()->Append(Batch(2, 1));
  EXPECT_EQ(status.code(), "invalid_argument");
  EXPECT_EQ(opened.log.value()->next_seq(), 1u);
}

TEST(DurableLog, TornTailIsTruncatedAndReported) {
  TempDir tmp;
  uint64_t good_size = 0;
  {
    auto opened = OpenLog(DefaultEnv(), tmp.path());
    ASSERT_TRUE(opened.log.ok());
    ASSERT_TRUE(opened.log.value()->Append(Batch(1, 3)).ok());
    good_size = opened.log.value()->total_bytes();
  }
  // Half of the next record, as a crash in the middle of a write leaves it.
  std::string record;
  log_format::AppendEventRecord(Batch(4, 1)[0], record);
  auto file = DefaultEnv().NewAppendableFile(SegmentPath(tmp.path(), 1));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file.value()->Append(record.substr(0, record.size() / 2)).ok());
  file.value().reset();

  auto reopened = OpenLog(DefaultEnv(), tmp.path());
  ASSERT_TRUE(reopened.log.ok()) << reopened.log.error().message;
  EXPECT_EQ(Seqs(reopened.replayed), Range(1, 3));
  const auto& repair = reopened.log.value()->recovery().repaired_tail;
  ASSERT_TRUE(repair.has_value());
  EXPECT_EQ(repair->file, SegmentPath(tmp.path(), 1));
  EXPECT_EQ(repair->offset, good_size);
  EXPECT_EQ(repair->dropped_bytes, record.size() / 2);
  EXPECT_NE(repair->reason.find("torn"), std::string::npos) << repair->reason;
  EXPECT_EQ(DefaultEnv().GetFileSize(SegmentPath(tmp.path(), 1)).value(), good_size);
  // The log continues right after the last good record.
  ASSERT_TRUE(reopened.log.value()->Append(Batch(4, 1)).ok());
}

TEST(DurableLog, CorruptByteInLastSegmentTruncatesFromThatRecord) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  uint64_t second_record_offset = 0;
  {
    auto opened = OpenLog(env, tmp.path());
    ASSERT_TRUE(opened.log.ok());
    ASSERT_TRUE(opened.log.value()->Append(Batch(1, 1)).ok());
    second_record_offset = opened.log.value()->total_bytes();
    ASSERT_TRUE(opened.log.value()->Append(Batch(2, 2)).ok());
  }
  ASSERT_TRUE(env.CorruptByte(SegmentPath(tmp.path(), 1), second_record_offset + 20).ok());
  auto reopened = OpenLog(env, tmp.path());
  ASSERT_TRUE(reopened.log.ok()) << reopened.log.error().message;
  EXPECT_EQ(Seqs(reopened.replayed), Range(1, 1));
  const auto& repair = reopened.log.value()->recovery().repaired_tail;
  ASSERT_TRUE(repair.has_value());
  EXPECT_EQ(repair->offset, second_record_offset);
  EXPECT_NE(repair->reason.find("checksum mismatch"), std::string::npos) << repair->reason;
  EXPECT_EQ(reopened.log.value()->next_seq(), 2u);
}

TEST(DurableLog, CorruptionInAnEarlierSegmentRefusesToStart) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  {
    auto opened = OpenLog(env, tmp.path(), SmallSegments());
    ASSERT_TRUE(opened.log.ok());
    for (uint64_t seq = 1; seq <= 12; ++seq)
      ASSERT_TRUE(opened.log.value()->Append(Batch(seq, 1)).ok());
    ASSERT_GT(opened.log.value()->segment_count(), 2u);
  }
  std::string first = SegmentPath(tmp.path(), 1);
  uint64_t record_bytes = log_format::EncodedSize(Batch(1, 1)[0]);
  ASSERT_TRUE(env.CorruptByte(first, record_bytes + 3).ok());  // in the second record
  auto reopened = OpenLog(env, tmp.path(), SmallSegments());
  ASSERT_FALSE(reopened.log.ok());
  const std::string& message = reopened.log.error().message;
  EXPECT_EQ(reopened.log.error().code, "corruption");
  EXPECT_NE(message.find(first), std::string::npos) << message;
  EXPECT_NE(message.find("byte offset " + std::to_string(record_bytes)), std::string::npos)
      << message;
  EXPECT_NE(message.find("not the last segment"), std::string::npos) << message;
}

TEST(DurableLog, MissingSegmentInTheMiddleRefusesToStart) {
  TempDir tmp;
  std::vector<uint64_t> firsts;
  {
    auto opened = OpenLog(DefaultEnv(), tmp.path(), SmallSegments());
    ASSERT_TRUE(opened.log.ok());
    for (uint64_t seq = 1; seq <= 12; ++seq)
      ASSERT_TRUE(opened.log.value()->Append(Batch(seq, 1)).ok());
    ASSERT_GT(opened.log.value()->segment_count(), 2u);
  }
  auto children = DefaultEnv().GetChildren(tmp.path()).value();
  for (const std::string& name : children) {
    if (auto seq = log_dir::ParseSegmentName(name)) firsts.push_back(*seq);
  }
  std::sort(firsts.begin(), firsts.end());
  ASSERT_TRUE(DefaultEnv().RemoveFile(SegmentPath(tmp.path(), firsts[1])).ok());
  auto reopened = OpenLog(DefaultEnv(), tmp.path(), SmallSegments());
  ASSERT_FALSE(reopened.log.ok());
  EXPECT_NE(reopened.log.error().message.find("gap"), std::string::npos)
      << reopened.log.error().message;
}

TEST(DurableLog, NewerFormatIsRefusedNamingBothVersions) {
  TempDir tmp;
  {
    auto opened = OpenLog(DefaultEnv(), tmp.path());
    ASSERT_TRUE(opened.log.ok());
    ASSERT_TRUE(opened.log.value()->Append(Batch(1, 1)).ok());
  }
  ASSERT_TRUE(log_dir::WriteFileAtomically(DefaultEnv(), tmp.path(), "FORMAT", "2\n").ok());
  auto reopened = OpenLog(DefaultEnv(), tmp.path());
  ASSERT_FALSE(reopened.log.ok());
  EXPECT_EQ(reopened.log.error().code, "unsupported_format");
  const std::string& message = reopened.log.error().message;
  EXPECT_NE(message.find("format version 2"), std::string::npos) << message;
  EXPECT_NE(message.find("version 1"), std::string::npos) << message;
  EXPECT_NE(message.find(tmp.path()), std::string::npos) << message;
}

TEST(DurableLog, EpochPersistsAcrossReopenAndChangesWhenTheLogIsLost) {
  TempDir tmp;
  std::string epoch;
  {
    auto opened = OpenLog(DefaultEnv(), tmp.path());
    ASSERT_TRUE(opened.log.ok());
    epoch = opened.log.value()->epoch();
    ASSERT_TRUE(opened.log.value()->Append(Batch(1, 2)).ok());
  }
  {
    auto reopened = OpenLog(DefaultEnv(), tmp.path());
    ASSERT_TRUE(reopened.log.ok());
    EXPECT_EQ(reopened.log.value()->epoch(), epoch);
  }
  // The log is lost (the EPOCH file stays): a new epoch, and seqs start again at 1.
  ASSERT_TRUE(DefaultEnv().RemoveFile(SegmentPath(tmp.path(), 1)).ok());
  auto fresh = OpenLog(DefaultEnv(), tmp.path());
  ASSERT_TRUE(fresh.log.ok());
  EXPECT_TRUE(fresh.log.value()->recovery().created);
  EXPECT_NE(fresh.log.value()->epoch(), epoch);
  EXPECT_EQ(fresh.log.value()->next_seq(), 1u);
  EXPECT_TRUE(fresh.replayed.empty());
}

TEST(DurableLog, SegmentsWithoutEpochAreRefused) {
  TempDir tmp;
  {
    auto opened = OpenLog(DefaultEnv(), tmp.path());
    ASSERT_TRUE(opened.log.ok());
    ASSERT_TRUE(opened.log.value()->Append(Batch(1, 1)).ok());
  }
  ASSERT_TRUE(DefaultEnv().RemoveFile(tmp.path() + "/EPOCH").ok());
  auto reopened = OpenLog(DefaultEnv(), tmp.path());
  ASSERT_FALSE(reopened.log.ok());
  EXPECT_NE(reopened.log.error().message.find("EPOCH"), std::string::npos);
}

TEST(DurableLog, RetentionRemovesOldestSegmentsButNeverTheActiveOne) {
  TempDir tmp;
  DurableLogOptions options = SmallSegments();
  options.max_total_bytes = 500;
  options.max_age = std::chrono::milliseconds(0);
  auto opened = OpenLog(DefaultEnv(), tmp.path(), options);
  ASSERT_TRUE(opened.log.ok());
  DurableLog& log = *opened.log.value();
  for (uint64_t seq = 1; seq <= 30; ++seq) ASSERT_TRUE(log.Append(Batch(seq, 1)).ok());
  EXPECT_LE(log.total_bytes(), 500u + 200u);  // within a segment of the limit
  EXPECT_GT(log.first_seq(), 1u);
  EXPECT_FALSE(DefaultEnv().FileExists(SegmentPath(tmp.path(), 1)));
  auto reopened = OpenLog(DefaultEnv(), tmp.path(), options);
  ASSERT_TRUE(reopened.log.ok());
  EXPECT_EQ(Seqs(reopened.replayed), Range(log.first_seq(), 30));
}

TEST(DurableLog, CountRetentionKeepsAtMostMaxEventsInWholeSegments) {
  TempDir tmp;
  DurableLogOptions options = SmallSegments();
  options.max_total_bytes = 0;
  options.max_age = std::chrono::milliseconds(0);
  options.max_events = 6;
  auto opened = OpenLog(DefaultEnv(), tmp.path(), options);
  ASSERT_TRUE(opened.log.ok());
  DurableLog& log = *opened.log.value();
  for (uint64_t seq = 1; seq <= 20; ++seq) ASSERT_TRUE(log.Append(Batch(seq, 1)).ok());
  ASSERT_TRUE(log.EnforceRetention(core::WallClockMs()).ok());
  EXPECT_LE(log.next_seq() - log.first_seq(), 6u);
  EXPECT_GT(log.first_seq(), 1u);
}

TEST(DurableLog, RetentionKeepsEverySegmentFromTheFloorOn) {
  TempDir tmp;
  DurableLogOptions options = SmallSegments();
  options.max_total_bytes = 0;
  options.max_age = std::chrono::hours(1);
  auto opened = OpenLog(DefaultEnv(), tmp.path(), options);
  ASSERT_TRUE(opened.log.ok());
  DurableLog& log = *opened.log.value();
  core::UnixMillis now = core::WallClockMs();
  for (uint64_t seq = 1; seq <= 12; ++seq) ASSERT_TRUE(log.Append(Batch(seq, 1, now)).ok());
  ASSERT_GT(log.segment_count(), 2u);
  // Seq 2 is still some topic's current value: its segment (and every later one) stays.
  log.set_retention_floor([] { return uint64_t{2}; });
  ASSERT_TRUE(log.EnforceRetention(now + 2 * 3'600'000).ok());
  EXPECT_LE(log.first_seq(), 2u);
  // Once that value is superseded, age retention proceeds.
  log.set_retention_floor([] { return uint64_t{12}; });
  ASSERT_TRUE(log.EnforceRetention(now + 2 * 3'600'000).ok());
  EXPECT_GT(log.first_seq(), 2u);
  EXPECT_LE(log.first_seq(), 12u);
}

TEST(DurableLog, AgeRetentionKeepsTheActiveSegment) {
  TempDir tmp;
  DurableLogOptions options = SmallSegments();
  options.max_total_bytes = 0;
  options.max_age = std::chrono::hours(1);
  auto opened = OpenLog(DefaultEnv(), tmp.path(), options);
  ASSERT_TRUE(opened.log.ok());
  DurableLog& log = *opened.log.value();
  core::UnixMillis now = core::WallClockMs();
  for (uint64_t seq = 1; seq <= 12; ++seq) ASSERT_TRUE(log.Append(Batch(seq, 1, now)).ok());
  ASSERT_GT(log.segment_count(), 1u);
  ASSERT_TRUE(log.EnforceRetention(now + 60'000).ok());  // nothing is an hour old yet
  EXPECT_EQ(log.first_seq(), 1u);
  ASSERT_TRUE(log.EnforceRetention(now + 2 * 3'600'000).ok());
  EXPECT_EQ(log.segment_count(), 1u);
  EXPECT_GT(log.first_seq(), 1u);
  ASSERT_TRUE(log.Append(Batch(13, 1)).ok());
}

}  // namespace
}  // namespace herald::backbone
