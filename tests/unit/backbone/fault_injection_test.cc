// The durability promises of the log under injected faults: nothing acknowledged is lost when
// unsynced data is dropped, a failed write or fsync is never acknowledged, and the log carries
// on with the same seqs once storage works again.
#include <gtest/gtest.h>

#include "backbone/durable_log.h"
#include "backbone/fault_injection_env.h"
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

TEST(FaultInjectionEnv, DropUnsyncedDataKeepsOnlySyncedBytes) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  std::string path = tmp.Sub("f");
  auto file = env.NewAppendableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file.value()->Append("abc").ok());
  ASSERT_TRUE(file.value()->Sync().ok());
  ASSERT_TRUE(env.SyncDir(tmp.path()).ok());
  ASSERT_TRUE(file.value()->Append("def").ok());
  env.SetFailSync(true);
  Status failed = file.value()->Sync();
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find(path), std::string::npos) << failed.message();
  env.SetFailSync(false);
  file.value().reset();
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(env.ReadFileToString(path).value(), "abc");  // the failed Sync did not count
  EXPECT_EQ(env.sync_count(), 1u);
}

TEST(FaultInjectionEnv, DropUnsyncedDataRemovesFilesWhoseCreationWasNotSynced) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  auto file = env.NewAppendableFile(tmp.Sub("new"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file.value()->Append("x").ok());
  ASSERT_TRUE(file.value()->Sync().ok());  // data synced, directory entry not
  file.value().reset();
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_FALSE(env.FileExists(tmp.Sub("new")));
}

TEST(FaultInjectionEnv, CorruptByteFlipsOneByteAndChecksTheOffset) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  auto file = env.NewAppendableFile(tmp.Sub("f"));
  ASSERT_TRUE(file.value()->Append("abc").ok());
  file.value().reset();
  ASSERT_TRUE(env.CorruptByte(tmp.Sub("f"), 1).ok());
  EXPECT_EQ(env.ReadFileToString(tmp.Sub("f")).value(), std::string("a\x9d"
                                                                    "c"));
  EXPECT_EQ(env.CorruptByte(tmp.Sub("f"), 3).code(), "invalid_argument");
}

TEST(PosixEnv, ErrorsNameThePathAndTheCause) {
  TempDir tmp;
  auto missing = DefaultEnv().ReadFileToString(tmp.Sub("missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
  EXPECT_NE(missing.error().message.find(tmp.Sub("missing")), std::string::npos);
  EXPECT_NE(missing.error().message.find("No such file or directory"), std::string::npos);
}

TEST(DurableLogFaults, AcknowledgedEventsSurviveDroppingUnsyncedData) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  DurableLogOptions options;
  options.segment_bytes = 300;  // several segments, so new files must be synced into the dir
  std::vector<EventRecord> acknowledged;
  {
    auto opened = OpenLog(env, tmp.path(), options);
    ASSERT_TRUE(opened.log.ok());
    DurableLog& log = *opened.log.value();
    for (uint64_t seq = 1; seq <= 30; seq += 3) {
      std::vector<EventRecord> batch = Batch(seq, 3);
      ASSERT_TRUE(log.Append(batch).ok());
      acknowledged.insert(acknowledged.end(), batch.begin(), batch.end());
    }
    // A crash between write and fsync: a whole record is in the file but never synced.
    std::string record;
    log_format::AppendEventRecord(Batch(31, 1)[0], record);
    ASSERT_GT(log.segment_count(), 2u);
    auto tail = env.NewAppendableFile(testing::LastSegmentPath(env, tmp.path()));
    ASSERT_TRUE(tail.ok());
    ASSERT_TRUE(tail.value()->Append(record).ok());
  }
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  auto reopened = OpenLog(env, tmp.path(), options);
  ASSERT_TRUE(reopened.log.ok()) << reopened.log.error().message;
  EXPECT_EQ(reopened.replayed, acknowledged);
  EXPECT_EQ(reopened.log.value()->next_seq(), 31u);
  EXPECT_FALSE(reopened.log.value()->recovery().repaired_tail.has_value());
}

TEST(DurableLogFaults, FailedSyncIsNotAcknowledgedAndNotRecovered) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  {
    auto opened = OpenLog(env, tmp.path());
    ASSERT_TRUE(opened.log.ok());
    DurableLog& log = *opened.log.value();
    ASSERT_TRUE(log.Append(Batch(1, 3)).ok());
    uint64_t syncs = env.sync_count();
    env.SetFailSync(true);
    Status status = log.Append(Batch(4, 3));
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.code(), "io_error");
    EXPECT_NE(status.message().find("seq 4-6"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find(SegmentPath(tmp.path(), 1)), std::string::npos);
    EXPECT_EQ(log.next_seq(), 4u);
    EXPECT_EQ(env.sync_count(), syncs);
  }
  // Power loss while the fsync is still failing.
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  env.SetFailSync(false);
  auto reopened = OpenLog(env, tmp.path());
  ASSERT_TRUE(reopened.log.ok()) << reopened.log.error().message;
  EXPECT_EQ(Seqs(reopened.replayed), Range(1, 3));
}

TEST(DurableLogFaults, SeqsOfAFailedBatchAreReusedOnceSyncWorksAgain) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  {
    auto opened = OpenLog(env, tmp.path());
    ASSERT_TRUE(opened.log.ok());
    DurableLog& log = *opened.log.value();
    ASSERT_TRUE(log.Append(Batch(1, 2, 100)).ok());
    env.SetFailSync(true);
    ASSERT_FALSE(log.Append(Batch(3, 4, 111)).ok());
    ASSERT_FALSE(log.Append(Batch(3, 4, 222)).ok());  // the truncation is still pending
    env.SetFailSync(false);
    ASSERT_TRUE(log.Append(Batch(3, 2, 333)).ok());
    EXPECT_EQ(log.next_seq(), 5u);
  }
  auto reopened = OpenLog(env, tmp.path());
  ASSERT_TRUE(reopened.log.ok()) << reopened.log.error().message;
  std::vector<EventRecord> expected = Batch(1, 2, 100);
  for (EventRecord& event : Batch(3, 2, 333)) expected.push_back(event);
  EXPECT_EQ(reopened.replayed, expected);
  EXPECT_FALSE(reopened.log.value()->recovery().repaired_tail.has_value());
}

TEST(DurableLogFaults, FailedWriteIsNotAcknowledgedAndTheLogCarriesOn) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  auto opened = OpenLog(env, tmp.path());
  ASSERT_TRUE(opened.log.ok());
  DurableLog& log = *opened.log.value();
  ASSERT_TRUE(log.Append(Batch(1, 1)).ok());
  env.SetFailWrites(true);
  Status status = log.Append(Batch(2, 1));
  EXPECT_EQ(status.code(), "io_error");
  EXPECT_FALSE(log.CheckWritable().ok());
  env.SetFailWrites(false);
  EXPECT_TRUE(log.CheckWritable().ok());
  ASSERT_TRUE(log.Append(Batch(2, 2)).ok());
  EXPECT_EQ(log.next_seq(), 4u);
}

TEST(DurableLogFaults, DiskFullPartialWriteIsTruncatedAway) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  {
    auto opened = OpenLog(env, tmp.path());
    ASSERT_TRUE(opened.log.ok());
    DurableLog& log = *opened.log.value();
    ASSERT_TRUE(log.Append(Batch(1, 3)).ok());
    uint64_t good = log.total_bytes();
    env.SetDiskFull(true);
    Status status = log.Append(Batch(4, 5));
    EXPECT_EQ(status.code(), "no_space");
    EXPECT_NE(status.message().find("No space left on device"), std::string::npos)
        << status.message();
    EXPECT_EQ(env.GetFileSize(SegmentPath(tmp.path(), 1)).value(), good);
    env.SetDiskFull(false);
    ASSERT_TRUE(log.Append(Batch(4, 2)).ok());
  }
  auto reopened = OpenLog(env, tmp.path());
  ASSERT_TRUE(reopened.log.ok());
  EXPECT_EQ(Seqs(reopened.replayed), Range(1, 5));
  EXPECT_FALSE(reopened.log.value()->recovery().repaired_tail.has_value());
}

}  // namespace
}  // namespace herald::backbone
