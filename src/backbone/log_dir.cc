#include "backbone/log_dir.h"

#include <charconv>
#include <cstdio>

#include "core/event_id.h"

namespace herald::backbone::log_dir {
namespace {

constexpr std::string_view kSegmentPrefix = "log-";
constexpr std::string_view kSegmentSuffix = ".hlog";
constexpr size_t kSeqDigits = 20;  // UINT64_MAX has 20 decimal digits

// The file's contents without one trailing newline.
std::string_view Trimmed(const std::string& contents) {
  std::string_view text(contents);
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return text;
}

}  // namespace

std::string SegmentName(uint64_t first_seq) {
  char digits[kSeqDigits + 1];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(first_seq));
  std::string name(kSegmentPrefix);
  name += digits;
  name += kSegmentSuffix;
  return name;
}

std::optional<uint64_t> ParseSegmentName(std::string_view name) {
  if (name.size() != kSegmentPrefix.size() + kSeqDigits + kSegmentSuffix.size() ||
      name.substr(0, kSegmentPrefix.size()) != kSegmentPrefix ||
      name.substr(name.size() - kSegmentSuffix.size()) != kSegmentSuffix) {
    return std::nullopt;
  }
  std::string_view digits = name.substr(kSegmentPrefix.size(), kSeqDigits);
  uint64_t seq = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || end != digits.data() + digits.size() || seq == 0) return std::nullopt;
  return seq;
}

Status WriteFileAtomically(Env& env, const std::string& dir, std::string_view name,
                           std::string_view contents) {
  std::string path = JoinPath(dir, name);
  std::string temp = path + ".tmp";
  if (env.FileExists(temp)) {
    if (Status status = env.RemoveFile(temp); !status.ok()) return status;
  }
  auto file = env.NewAppendableFile(temp);
  if (!file) return file.error();
  Status status = file.value()->Append(contents);
  if (status.ok()) status = file.value()->Sync();
  Status closed = file.value()->Close();
  if (status.ok()) status = closed;
  if (status.ok()) status = env.RenameFile(temp, path);
  if (status.ok()) status = env.SyncDir(dir);
  return status;
}

Status CheckFormat(Env& env, const std::string& dir) {
  std::string path = JoinPath(dir, kFormatFile);
  auto contents = env.ReadFileToString(path);
  if (!contents) return contents.error();
  std::string_view text = Trimmed(contents.value());
  uint32_t version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || version == 0) {
    return Status::Make("corruption", path + ": not a format version number");
  }
  if (version > kFormatVersion) {
    return Status::Make("unsupported_format",
                        path + ": the log is format version " + std::to_string(version) +
                            ", newer than version " + std::to_string(kFormatVersion) +
                            " that this herald reads; run a newer herald or another data dir");
  }
  if (version < kFormatVersion) {
    // No older version was ever written; if one appears, this is where it gets upgraded.
    return Status::Make("unsupported_format",
                        path + ": unknown old format version " + std::to_string(version));
  }
  return Status::Ok();
}

core::Result<std::string> ReadEpoch(Env& env, const std::string& dir) {
  std::string path = JoinPath(dir, kEpochFile);
  auto contents = env.ReadFileToString(path);
  if (!contents) return contents.error();
  std::string_view epoch = Trimmed(contents.value());
  if (!core::IsValidEpoch(epoch)) {
    return core::Error{"corruption", path + ": not a valid epoch"};
  }
  return std::string(epoch);
}

}  // namespace herald::backbone::log_dir
