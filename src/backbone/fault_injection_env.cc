#include "backbone/fault_injection_env.h"

#include <cerrno>

namespace herald::backbone {
namespace {

std::string ParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string StripTrailingSlash(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

// Forwards to the base file, applying the env's switches and recording successful syncs.
class FaultInjectionEnv::File final : public WritableFile {
 public:
  File(FaultInjectionEnv& env, std::unique_ptr<WritableFile> base)
      : env_(env), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    if (env_.fail_writes_.load()) {
      return Status::Make("io_error", "write " + path() + ": injected write failure");
    }
    if (env_.disk_full_.load()) {
      Status partial = base_->Append(data.substr(0, data.size() / 2));
      if (!partial.ok()) return partial;
      return Status::FromErrno("write", path(), ENOSPC);
    }
    return base_->Append(data);
  }

  Status Sync() override {
    if (env_.fail_sync_.load()) {
      return Status::Make("io_error", "fdatasync " + path() + ": injected sync failure");
    }
    Status status = base_->Sync();
    if (!status.ok()) return status;
    auto size = env_.base_.GetFileSize(path());
    if (!size) return size.error();
    std::lock_guard lock(env_.mutex_);
    env_.files_[path()].synced_size = size.value();
    env_.sync_count_.fetch_add(1);
    return Status::Ok();
  }

  Status Close() override { return base_->Close(); }
  uint64_t size() const override { return base_->size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  FaultInjectionEnv& env_;
  std::unique_ptr<WritableFile> base_;
};

core::Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewAppendableFile(
    const std::string& path) {
  bool existed = base_.FileExists(path);
  auto file = base_.NewAppendableFile(path);
  if (!file) return file.error();
  {
    std::lock_guard lock(mutex_);
    if (files_.find(path) == files_.end()) {
      // A file that was there before this env saw it counts as durable as it stands.
      files_[path] = FileState{existed ? file.value()->size() : 0, !existed};
    }
  }
  return std::unique_ptr<WritableFile>(std::make_unique<File>(*this, std::move(file.value())));
}

core::Result<std::string> FaultInjectionEnv::ReadFileToString(const std::string& path) {
  return base_.ReadFileToString(path);
}

core::Result<std::vector<std::string>> FaultInjectionEnv::GetChildren(const std::string& dir) {
  return base_.GetChildren(dir);
}

bool FaultInjectionEnv::FileExists(const std::string& path) { return base_.FileExists(path); }

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  Status status = base_.RemoveFile(path);
  if (status.ok()) {
    std::lock_guard lock(mutex_);
    files_.erase(path);
  }
  return status;
}

Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  Status status = base_.RenameFile(from, to);
  if (status.ok()) {
    std::lock_guard lock(mutex_);
    auto it = files_.find(from);
    if (it != files_.end()) {
      files_[to] = it->second;
      files_.erase(from);
    } else {
      files_.erase(to);
    }
  }
  return status;
}

Status FaultInjectionEnv::CreateDirIfMissing(const std::string& dir) {
  return base_.CreateDirIfMissing(dir);
}

Status FaultInjectionEnv::SyncDir(const std::string& dir) {
  if (fail_sync_.load())
    return Status::Make("io_error", "fsync " + dir + ": injected sync failure");
  Status status = base_.SyncDir(dir);
  if (!status.ok()) return status;
  std::string canonical = StripTrailingSlash(dir);
  std::lock_guard lock(mutex_);
  for (auto& [path, state] : files_) {
    if (ParentDir(path) == canonical) state.created_unsynced = false;
  }
  return Status::Ok();
}

Status FaultInjectionEnv::TruncateFile(const std::string& path, uint64_t size) {
  if (fail_writes_.load()) {
    return Status::Make("io_error", "truncate " + path + ": injected write failure");
  }
  Status status = base_.TruncateFile(path, size);
  if (status.ok()) {
    std::lock_guard lock(mutex_);
    auto it = files_.find(path);
    if (it != files_.end() && it->second.synced_size > size) it->second.synced_size = size;
  }
  return status;
}

core::Result<uint64_t> FaultInjectionEnv::GetFileSize(const std::string& path) {
  return base_.GetFileSize(path);
}

Status FaultInjectionEnv::DropUnsyncedData() {
  std::lock_guard lock(mutex_);
  for (auto it = files_.begin(); it != files_.end();) {
    const std::string& path = it->first;
    if (it->second.created_unsynced) {
      Status status = base_.RemoveFile(path);
      if (!status.ok() && status.code() != "not_found") return status;
      it = files_.erase(it);
      continue;
    }
    auto size = base_.GetFileSize(path);
    if (size && size.value() > it->second.synced_size) {
      Status status = base_.TruncateFile(path, it->second.synced_size);
      if (!status.ok()) return status;
    }
    ++it;
  }
  return Status::Ok();
}

Status FaultInjectionEnv::CorruptByte(const std::string& path, uint64_t offset) {
  auto contents = base_.ReadFileToString(path);
  if (!contents) return contents.error();
  if (offset >= contents->size()) {
    return Status::Make("invalid_argument", "corrupt " + path + ": offset " +
                                                std::to_string(offset) + " past the end (" +
                                                std::to_string(contents->size()) + " bytes)");
  }
  contents.value()[offset] = static_cast<char>(~contents.value()[offset]);
  if (Status status = base_.TruncateFile(path, 0); !status.ok()) return status;
  auto file = base_.NewAppendableFile(path);
  if (!file) return file.error();
  if (Status status = file.value()->Append(contents.value()); !status.ok()) return status;
  if (Status status = file.value()->Sync(); !status.ok()) return status;
  return file.value()->Close();
}

}  // namespace herald::backbone
