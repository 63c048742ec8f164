#include "backbone/state_snapshot.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "backbone/log_dir.h"
#include "backbone/log_format.h"

namespace herald::backbone {
namespace {

constexpr std::string_view kPrefix = "snapshot-";
constexpr std::string_view kSuffix = ".hsnap";
constexpr std::string_view kHeaderTopic = "$snapshot";
constexpr std::string_view kEndTopic = "$end";

std::string SnapshotName(uint64_t seq) {
  char name[64];
  std::snprintf(name, sizeof name, "snapshot-%020llu.hsnap", static_cast<unsigned long long>(seq));
  return name;
}

std::optional<uint64_t> ParseSnapshotName(std::string_view name) {
  if (name.size() != kPrefix.size() + 20 + kSuffix.size() ||
      name.substr(0, kPrefix.size()) != kPrefix ||
      name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  uint64_t seq = 0;
  const char* digits = name.data() + kPrefix.size();
  auto [end, ec] = std::from_chars(digits, digits + 20, seq);
  if (ec != std::errc() || end != digits + 20) return std::nullopt;
  return seq;
}

std::vector<uint64_t> SnapshotSeqs(Env& env, const std::string& dir) {
  std::vector<uint64_t> seqs;
  auto children = env.GetChildren(dir);
  if (!children) return seqs;
  for (const std::string& name : children.value()) {
    if (auto seq = ParseSnapshotName(name)) seqs.push_back(*seq);
  }
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

}  // namespace

core::Result<StateSnapshot> ParseStateSnapshot(std::string_view bytes, const std::string& epoch,
                                               uint64_t expected_seq) {
  auto corrupt = [](const std::string& why) { return core::Error{"corruption", why}; };
  StateSnapshot snapshot;
  size_t offset = 0;
  bool header = false;
  while (offset < bytes.size()) {
    log_format::DecodeResult decoded = log_format::DecodeRecord(bytes.substr(offset));
    if (decoded.kind != log_format::DecodeResult::Kind::kRecord) {
      return corrupt("bad record at byte " + std::to_string(offset) +
                     (decoded.reason.empty() ? "" : ": " + decoded.reason));
    }
    auto record = log_format::ParseEventBody(decoded.body);
    if (!record) return corrupt(record.error().message);
    offset += decoded.consumed;
    if (!header) {
      if (record->topic != kHeaderTopic || record->seq != expected_seq) {
        return corrupt("missing header record");
      }
      if (record->payload != epoch) return corrupt("snapshot of another epoch");
      snapshot.seq = record->seq;
      header = true;
      continue;
    }
    // The end record is the one not retained: every row is, and a client may publish a row
    // to the topic "$end" itself.
    if (record->topic == kEndTopic && !record->retain) {
      if (record->seq != snapshot.rows.size() + 1 || offset != bytes.size()) {
        return corrupt("row count does not match the end record");
      }
      return snapshot;
    }
    auto event = std::make_shared<core::Event>();
    event->topic = std::move(record->topic);
    event->payload = std::move(record->payload);
    event->seq = record->seq;
    event->epoch = epoch;
    event->retain = true;
    event->publish_time = record->publish_time;
    event->origin_time = record->origin_time;
    snapshot.rows.push_back(std::move(event));
  }
  return corrupt("no end record (torn write)");
}

Status WriteStateSnapshot(Env& env, const std::string& dir, const std::string& epoch, uint64_t seq,
                          const std::vector<core::EventPtr>& rows) {
  std::string bytes;
  log_format::AppendEventRecord({seq, 0, 0, false, std::string(kHeaderTopic), epoch}, bytes);
  for (const core::EventPtr& row : rows) {
    log_format::AppendEventRecord(
        {row->seq, row->publish_time, row->origin_time, true, row->topic, row->payload}, bytes);
  }
  // Seq 0 is not a valid record seq: the end record carries the row count plus one.
  log_format::AppendEventRecord({rows.size() + 1, 0, 0, false, std::string(kEndTopic), ""}, bytes);
  if (Status status = log_dir::WriteFileAtomically(env, dir, SnapshotName(seq), bytes);
      !status.ok()) {
    return status;
  }
  std::vector<uint64_t> seqs = SnapshotSeqs(env, dir);
  for (size_t i = 0; i + 2 < seqs.size(); ++i) {
    (void)env.RemoveFile(JoinPath(dir, SnapshotName(seqs[i])));
  }
  return Status::Ok();
}

core::Result<StateSnapshot> LoadStateSnapshot(Env& env, const std::string& dir,
                                              const std::string& epoch) {
  std::vector<uint64_t> seqs = SnapshotSeqs(env, dir);
  for (auto it = seqs.rbegin(); it != seqs.rend(); ++it) {
    std::string path = JoinPath(dir, SnapshotName(*it));
    auto bytes = env.ReadFileToString(path);
    if (!bytes) {
      spdlog::warn("state snapshot {}: {}; trying an older one", path, bytes.error().message);
      continue;
    }
    auto snapshot = ParseStateSnapshot(bytes.value(), epoch, *it);
    if (snapshot) return snapshot;
    spdlog::warn("state snapshot {}: {}; trying an older one", path, snapshot.error().message);
  }
  return StateSnapshot{};
}

}  // namespace herald::backbone
