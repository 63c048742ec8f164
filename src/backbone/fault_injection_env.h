#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "backbone/env.h"

namespace herald::backbone {

// An Env for tests that wraps another (usually PosixEnv on a temporary directory) and remembers
// what was made durable, so it can simulate power loss, and injects failures on demand.
//
// The durability model: a file's bytes are durable up to its size at its last successful Sync;
// a file created through this env is durable once its directory was synced (SyncDir); renames,
// removals and truncations count as durable at once. Thread-safe: the switches may be flipped
// from a test thread while another thread writes.
class FaultInjectionEnv final : public Env {
 public:
  explicit FaultInjectionEnv(Env& base) : base_(base) {}

  core::Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  core::Result<std::string> ReadFileToString(const std::string& path) override;
  core::Result<std::vector<std::string>> GetChildren(const std::string& dir) override;
  bool FileExists(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status CreateDirIfMissing(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  core::Result<uint64_t> GetFileSize(const std::string& path) override;

  // Power loss: truncates every file written through this env to its size at its last
  // successful Sync and removes files whose creation was never made durable by SyncDir.
  // Destroy the writers first (as a crash would); what they write afterwards is not tracked.
  Status DropUnsyncedData();
  // Append and TruncateFile fail with "io_error" and write nothing.
  void SetFailWrites(bool fail) { fail_writes_.store(fail); }
  // Sync and SyncDir fail with "io_error"; a failed Sync does not count as synced.
  void SetFailSync(bool fail) { fail_sync_.store(fail); }
  // Disk full: Append writes the first half of its bytes, then fails with ENOSPC ("no_space"),
  // as a short write followed by a failed one would.
  void SetDiskFull(bool full) { disk_full_.store(full); }
  // Flips every bit of the byte at `offset` of `path`, bypassing the durability model.
  Status CorruptByte(const std::string& path, uint64_t offset);

  // Successful file Syncs so far (to check group commit: one per batch).
  uint64_t sync_count() const { return sync_count_.load(); }

 private:
  class File;
  struct FileState {
    uint64_t synced_size = 0;
    bool created_unsynced = false;  // created here and its directory not synced since
  };

  Env& base_;
  std::atomic<bool> fail_writes_{false};
  std::atomic<bool> fail_sync_{false};
  std::atomic<bool> disk_full_{false};
  std::atomic<uint64_t> sync_count_{0};
  std::mutex mutex_;
  std::map<std::string, FileState> files_;  // HERALD_GUARDED_BY(mutex_), keyed by path
};

}  // namespace herald::backbone
