#include "backbone/posix_env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace herald::backbone {
namespace {

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixWritableFile() override { (void)Close(); }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::Make("io_error", "append " + path_ + ": file is closed");
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno("write", path_, errno);
      }
      size_ += static_cast<uint64_t>(n);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (fd_ < 0) return Status::Make("io_error", "fdatasync " + path_ + ": file is closed");
    if (::fdatasync(fd_) != 0) return Status::FromErrno("fdatasync", path_, errno);
    return Status::Ok();
  }

  Status Close() override {
    if (fd_ < 0) return Status::Ok();
    int fd = fd_;
    fd_ = -1;
    // Linux closes the descriptor even when close() reports EINTR: never retry.
    if (::close(fd) != 0 && errno != EINTR) return Status::FromErrno("close", path_, errno);
    return Status::Ok();
  }

  uint64_t size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  int fd_;
  uint64_t size_;
};

}  // namespace

core::Result<std::unique_ptr<WritableFile>> PosixEnv::NewAppendableFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open", path, errno).error();
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status status = Status::FromErrno("fstat", path, errno);
    ::close(fd);
    return status.error();
  }
  return std::unique_ptr<WritableFile>(
      std::make_unique<PosixWritableFile>(path, fd, static_cast<uint64_t>(st.st_size)));
}

core::Result<std::string> PosixEnv::ReadFileToString(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open", path, errno).error();
  std::string contents;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) contents.reserve(static_cast<size_t>(st.st_size));
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status status = Status::FromErrno("read", path, errno);
      ::close(fd);
      return status.error();
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return contents;
}

core::Result<std::vector<std::string>> PosixEnv::GetChildren(const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return Status::FromErrno("opendir", dir, errno).error();
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(handle)) {
    std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(handle);
  return names;
}

bool PosixEnv::FileExists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Status PosixEnv::RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return Status::FromErrno("unlink", path, errno);
  return Status::Ok();
}

Status PosixEnv::RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Status::FromErrno("rename", from + " to " + to, errno);
  }
  return Status::Ok();
}

Status PosixEnv::CreateDirIfMissing(const std::string& dir) {
  // mkdir -p: each prefix ending before a '/', then the whole path.
  for (size_t end = dir.find('/', 1);; end = dir.find('/', end + 1)) {
    std::string prefix = dir.substr(0, end);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::FromErrno("mkdir", prefix, errno);
    }
    if (end == std::string::npos) break;
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Status::FromErrno("stat", dir, errno);
  if (!S_ISDIR(st.st_mode)) return Status::FromErrno("mkdir", dir, ENOTDIR);
  return Status::Ok();
}

Status PosixEnv::SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open", dir, errno);
  Status status;
  if (::fsync(fd) != 0) status = Status::FromErrno("fsync", dir, errno);
  ::close(fd);
  return status;
}

Status PosixEnv::TruncateFile(const std::string& path, uint64_t size) {
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
    return Status::FromErrno("truncate", path, errno);
  }
  return Status::Ok();
}

core::Result<uint64_t> PosixEnv::GetFileSize(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno("stat", path, errno).error();
  return static_cast<uint64_t>(st.st_size);
}

Env& DefaultEnv() {
  static PosixEnv* env = new PosixEnv();  // never destroyed: usable from static destructors
  return *env;
}

}  // namespace herald::backbone
