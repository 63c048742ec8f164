#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace herald::backbone {

// The outcome of a storage call that returns no value: ok, or a code and a message that names
// the path and the cause ("fdatasync /data/log-00000000000000000001.hlog: No space left on
// device"). Codes: "io_error", "no_space", "not_found", "corruption", "unsupported_format",
// "invalid_argument".
class [[nodiscard]] Status {
 public:
  Status() = default;                                      // ok
  Status(core::Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  static Status Ok() { return Status(); }
  static Status Make(std::string code, std::string message) {
    return Status(core::Error{std::move(code), std::move(message)});
  }
  // `what` and `path` lead the message; the cause is strerror(err). ENOSPC and EDQUOT map to
  // "no_space", ENOENT to "not_found", everything else to "io_error".
  static Status FromErrno(std::string_view what, std::string_view path, int err);

  bool ok() const { return error_.code.empty(); }
  explicit operator bool() const { return ok(); }
  const std::string& code() const { return error_.code; }
  const std::string& message() const { return error_.message; }
  const core::Error& error() const { return error_; }

 private:
  core::Error error_;
};

// An open file that only grows, by Append. Owned by one thread at a time; not thread-safe.
class WritableFile {
 public:
  virtual ~WritableFile() = default;  // closes without syncing
  // Writes all of `data` at the end of the file, or fails (a failed append may have written a
  // prefix of `data`: the caller truncates back to a known size).
  virtual Status Append(std::string_view data) = 0;
  // fdatasync: everything appended so far is durable when this returns ok.
  virtual Status Sync() = 0;
  // Closes without syncing. Idempotent.
  virtual Status Close() = 0;
  // Bytes in the file: its size at open plus every byte appended since.
  virtual uint64_t size() const = 0;
  virtual const std::string& path() const = 0;
};

// The storage seam, as LevelDB's Env: every file-system call the durable log makes goes through
// one of these, so tests can inject faults (FaultInjectionEnv). Implementations are thread-safe.
// Paths are plain strings; directories are joined with '/'.
class Env {
 public:
  virtual ~Env() = default;

  // Opens `path` for appending, creating it if missing; existing bytes are kept.
  virtual core::Result<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& path) = 0;
  virtual core::Result<std::string> ReadFileToString(const std::string& path) = 0;
  // Names (not paths) of the entries of `dir`, without "." and "..", in no particular order.
  virtual core::Result<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Atomically replaces `to` with `from` (rename(2)); durable once the directory is synced.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Creates `dir` and any missing parents.
  virtual Status CreateDirIfMissing(const std::string& dir) = 0;
  // fsync on the directory: makes file creations, renames and removals in it durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  virtual core::Result<uint64_t> GetFileSize(const std::string& path) = 0;
};

inline std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string path(dir);
  if (!path.empty() && path.back() != '/') path += '/';
  path += name;
  return path;
}

}  // namespace herald::backbone
