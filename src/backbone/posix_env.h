#pragma once

#include "backbone/env.h"

namespace herald::backbone {

// Env on POSIX system calls: open/write/fdatasync/rename/ftruncate. Stateless and thread-safe.
class PosixEnv final : public Env {
 public:
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
};

// The process-wide PosixEnv; lives until exit.
Env& DefaultEnv();

}  // namespace herald::backbone
