#include "backbone/durable_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "backbone/local_backbone.h"
#include "backbone/log_dir.h"
#include "core/clock.h"

namespace herald::backbone {
namespace {

constexpr std::string_view kProbeFile = "PROBE.tmp";
constexpr size_t kProbeBytes = 4096;

// Where and why reading a segment stopped, and what it held up to there.
struct ScanResult {
  uint64_t good_bytes = 0;  // whole valid records from the start of the segment
  uint64_t next_seq = 0;    // seq after the last valid record
  core::UnixMillis newest_time = 0;
  uint64_t replayed = 0;
  std::string error;  // empty when every byte was a valid record
};

// Reads the records of one segment whose first event is `first_seq`, handing `replay` (may be
// empty) each event from `from_seq` on.
ScanResult ScanSegment(std::string_view contents, uint64_t first_seq, uint64_t from_seq,
                       const DurableLog::ReplayFn& replay) {
  ScanResult result;
  result.next_seq = first_seq;
  size_t offset = 0;
  while (offset < contents.size()) {
    auto decoded = log_format::DecodeRecord(contents.substr(offset));
    if (decoded.kind == log_format::DecodeResult::Kind::kNeedMore) {
      result.error = "torn record: the last " + std::to_string(contents.size() - offset) +
                     " bytes are not a whole record";
      break;
    }
    if (decoded.kind == log_format::DecodeResult::Kind::kCorrupt) {
      result.error = std::move(decoded.reason);
      break;
    }
    auto event = log_format::ParseEventBody(decoded.body);
    if (!event) {
      result.error = event.error().message;
      break;
    }
    if (event->seq != result.next_seq) {
      result.error = "record has seq " + std::to_string(event->seq) + " where " +
                     std::to_string(result.next_seq) + " was expected";
      break;
    }
    offset += decoded.consumed;
    result.good_bytes = offset;
    ++result.next_seq;
    result.newest_time = std::max(result.newest_time, event->publish_time);
    if (replay && event->seq >= from_seq) {
      replay(std::move(event.value()));
      ++result.replayed;
    }
  }
  return result;
}

Status WithContext(const Status& status, const std::string& context) {
  return Status::Make(status.code(), context + ": " + status.message());
}

}  // namespace

DurableLog::DurableLog(Env& env, std::string dir, DurableLogOptions options)
    : env_(env), dir_(std::move(dir)), options_(options) {}

DurableLog::~DurableLog() {
  if (writer_) (void)writer_->Close();
}

core::Result<std::unique_ptr<DurableLog>> DurableLog::Open(Env& env, const std::string& dir,
                                                           const DurableLogOptions& options,
                                                           const ReplayFn& replay) {
  std::unique_ptr<DurableLog> log(new DurableLog(env, dir, options));
  if (Status status = env.CreateDirIfMissing(dir); !status.ok()) return status.error();
  auto children = env.GetChildren(dir);
  if (!children) return children.error();
  std::vector<uint64_t> first_seqs;
  for (const std::string& name : children.value()) {
    if (auto seq = log_dir::ParseSegmentName(name)) first_seqs.push_back(*seq);
  }
  std::sort(first_seqs.begin(), first_seqs.end());
  Status status = first_seqs.empty() ? log->CreateNew() : log->Recover(first_seqs, replay);
  if (!status.ok())
    return Status::Make(status.code(), "data dir " + dir + ": " + status.message()).error();
  log->recovery_.first_seq = log->first_seq();
  log->recovery_.next_seq = log->next_seq_;
  log->recovery_.segments = log->segments_.size();
  return log;
}

// No segment: the log is new or was lost, so it gets a new epoch (an old EPOCH is replaced).
Status DurableLog::CreateNew() {
  std::string format_path = JoinPath(dir_, log_dir::kFormatFile);
  if (env_.FileExists(format_path)) {
    if (Status status = log_dir::CheckFormat(env_, dir_); !status.ok()) return status;
  } else {
    std::string version = std::to_string(log_dir::kFormatVersion) + "\n";
    Status status = log_dir::WriteFileAtomically(env_, dir_, log_dir::kFormatFile, version);
    if (!status.ok()) return status;
  }
  epoch_ = NewEpoch();
  Status status = log_dir::WriteFileAtomically(env_, dir_, log_dir::kEpochFile, epoch_ + "\n");
  if (!status.ok()) return status;
  segments_.push_back(Segment{1, JoinPath(dir_, log_dir::SegmentName(1)), 0, 0});
  next_seq_ = 1;
  recovery_.created = true;
  // A leftover file of that name held nothing acknowledged (there was no log).
  if (env_.FileExists(segments_.back().path)) {
    if (Status truncated = env_.TruncateFile(segments_.back().path, 0); !truncated.ok()) {
      return truncated;
    }
  }
  if (Status opened = OpenWriter(true); !opened.ok()) return opened;
  return env_.SyncDir(dir_);
}

Status DurableLog::Recover(const std::vector<uint64_t>& first_seqs, const ReplayFn& replay) {
  if (!env_.FileExists(JoinPath(dir_, log_dir::kFormatFile))) {
    return Status::Make("corruption",
                        "log segments but no FORMAT file; restore it or move the segments away");
  }
  if (Status status = log_dir::CheckFormat(env_, dir_); !status.ok()) return status;
  auto epoch = log_dir::ReadEpoch(env_, dir_);
  if (!epoch) {
    return Status::Make("corruption", "log segments but no valid EPOCH (" + epoch.error().message +
                                          "); restore it or move the segments away");
  }
  epoch_ = epoch.value();
  for (size_t i = 0; i < first_seqs.size(); ++i) {
    const bool last = i + 1 == first_seqs.size();
    Segment segment{first_seqs[i], JoinPath(dir_, log_dir::SegmentName(first_seqs[i])), 0, 0};
    if (i > 0 && segment.first_seq != next_seq_) {
      return Status::Make("corruption", segment.path + " starts at seq " +
                                            std::to_string(segment.first_seq) +
                                            " but the segment before it ends before seq " +
                                            std::to_string(next_seq_) +
                                            "; refusing to start with a gap in the log");
    }
    auto contents = env_.ReadFileToString(segment.path);
    if (!contents) return contents.error();
    ScanResult scan =
        ScanSegment(contents.value(), segment.first_seq, options_.replay_from_seq, replay);
    recovery_.replayed += scan.replayed;
    if (!scan.error.empty() && !last) {
      // Segments before the last were synced whole before the next one was started, so damage
      // there is not a torn write: acknowledged events would be lost. An operator decides.
      return Status::Make("corruption",
                          segment.path + " is corrupt at byte offset " +
                              std::to_string(scan.good_bytes) + ": " + scan.error +
                              "; it is not the last segment, so this is not a torn write: "
                              "refusing to start (restore the file, or move it and every later "
                              "segment aside to keep the events before it)");
    }
    if (!scan.error.empty()) {
      uint64_t dropped = contents->size() - scan.good_bytes;
      spdlog::warn("durable log {}: truncating {} at byte offset {} ({} bytes dropped): {}", dir_,
                   segment.path, scan.good_bytes, dropped, scan.error);
      if (Status status = env_.TruncateFile(segment.path, scan.good_bytes); !status.ok()) {
        return status;
      }
      recovery_.repaired_tail =
          RecoveryInfo::TailRepair{segment.path, scan.good_bytes, dropped, scan.error};
    }
    segment.bytes = scan.good_bytes;
    segment.newest_time = scan.newest_time;
    next_seq_ = scan.next_seq;
    total_bytes_ += segment.bytes;
    segments_.push_back(std::move(segment));
  }
  // A repaired tail is made durable before anything is appended after it.
  return OpenWriter(recovery_.repaired_tail.has_value());
}

Status DurableLog::OpenWriter(bool sync) {
  if (writer_) (void)writer_->Close();
  writer_.reset();
  auto file = env_.NewAppendableFile(segments_.back().path);
  if (!file) return file.error();
  if (file.value()->size() != segments_.back().bytes) {
    return Status::Make("io_error", segments_.back().path + " is " +
                                        std::to_string(file.value()->size()) + " bytes, expected " +
                                        std::to_string(segments_.back().bytes));
  }
  if (sync) {
    if (Status status = file.value()->Sync(); !status.ok()) return status;
  }
  writer_ = std::move(file.value());
  return Status::Ok();
}

uint64_t DurableLog::first_seq() const {
  for (const Segment& segment : segments_) {
    if (segment.bytes > 0) return segment.first_seq;
  }
  return next_seq_;
}

Status DurableLog::Append(const std::vector<EventRecord>& batch) {
  if (batch.empty()) return Status::Ok();
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].seq != next_seq_ + i) {
      return Status::Make("invalid_argument", "append: event " + std::to_string(i) + " has seq " +
                                                  std::to_string(batch[i].seq) + ", expected " +
                                                  std::to_string(next_seq_ + i));
    }
    if (!log_format::FitsInRecord(batch[i])) {
      return Status::Make("invalid_argument", "append: event seq " + std::to_string(batch[i].seq) +
                                                  " is too large for a log record");
    }
  }
  if (needs_repair_) {
    if (Status status = RepairActive(); !status.ok()) return status;
  }
  bool rolled = false;
  if (segments_.back().bytes >= options_.segment_bytes) {
    if (Status status = RollSegment(); !status.ok()) return status;
    rolled = true;
  }
  buffer_.clear();
  core::UnixMillis newest = 0;
  for (const EventRecord& event : batch) {
    log_format::AppendEventRecord(event, buffer_);
    newest = std::max(newest, event.publish_time);
  }
  Status status = writer_->Append(buffer_);
  if (status.ok()) status = writer_->Sync();
  if (!status.ok()) {
    needs_repair_ = true;
    if (Status repaired = RepairActive(); !repaired.ok()) {
      spdlog::warn("durable log {}: cannot truncate the failed batch yet (will retry): {}", dir_,
                   repaired.message());
    }
    return WithContext(status, "append of seq " + std::to_string(next_seq_) + "-" +
                                   std::to_string(next_seq_ + batch.size() - 1));
  }
  Segment& active = segments_.back();
  active.bytes += buffer_.size();
  active.newest_time = std::max(active.newest_time, newest);
  total_bytes_ += buffer_.size();
  next_seq_ += batch.size();
  if (rolled) {
    if (Status retained = EnforceRetention(core::WallClockMs()); !retained.ok()) {
      spdlog::warn("durable log {}: retention: {}", dir_, retained.message());
    }
  }
  return Status::Ok();
}

// Cuts the active segment back to what was synced, durably, and reopens it.
Status DurableLog::RepairActive() {
  const Segment& active = segments_.back();
  if (writer_) (void)writer_->Close();
  writer_.reset();
  if (Status status = env_.TruncateFile(active.path, active.bytes); !status.ok()) return status;
  if (Status status = OpenWriter(true); !status.ok()) return status;
  needs_repair_ = false;
  return Status::Ok();
}

// Starts log-<next seq>.hlog. The new file's directory entry is synced before any event in it
// is acknowledged, so a crash cannot lose the file after its events were acknowledged.
Status DurableLog::RollSegment() {
  Segment next{next_seq_, JoinPath(dir_, log_dir::SegmentName(next_seq_)), 0, 0};
  if (env_.FileExists(next.path)) {
    // Left by an earlier roll that failed: it holds nothing acknowledged.
    if (Status status = env_.TruncateFile(next.path, 0); !status.ok()) return status;
  }
  auto file = env_.NewAppendableFile(next.path);
  if (!file) return file.error();
  if (Status status = env_.SyncDir(dir_); !status.ok()) {
    (void)file.value()->Close();
    (void)env_.RemoveFile(next.path);
    return status;
  }
  if (Status closed = writer_->Close(); !closed.ok()) {
    spdlog::warn("durable log {}: {}", dir_, closed.message());  // its bytes were synced
  }
  writer_ = std::move(file.value());
  segments_.push_back(std::move(next));
  return Status::Ok();
}

Status DurableLog::Replay(uint64_t from_seq, const ReplayFn& replay) {
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& segment = segments_[i];
    if (i + 1 < segments_.size() && segments_[i + 1].first_seq <= from_seq) continue;
    auto contents = env_.ReadFileToString(segment.path);
    if (!contents) return contents.error();
    if (contents->size() < segment.bytes) {
      return Status::Make("corruption", segment.path + " shrank to " +
                                            std::to_string(contents->size()) + " bytes from " +
                                            std::to_string(segment.bytes) + " since it was opened");
    }
    std::string_view verified = std::string_view(contents.value()).substr(0, segment.bytes);
    ScanResult scan = ScanSegment(verified, segment.first_seq, from_seq, replay);
    if (!scan.error.empty()) {
      return Status::Make("corruption", segment.path +
                                            " changed since it was verified: " + "byte offset " +
                                            std::to_string(scan.good_bytes) + ": " + scan.error);
    }
  }
  return Status::Ok();
}

Status DurableLog::CheckWritable() {
  if (needs_repair_) {
    if (Status status = RepairActive(); !status.ok()) return status;
  }
  std::string path = JoinPath(dir_, kProbeFile);
  if (env_.FileExists(path)) {
    if (Status status = env_.RemoveFile(path); !status.ok()) return status;
  }
  auto file = env_.NewAppendableFile(path);
  if (!file) return file.error();
  Status status = file.value()->Append(std::string(kProbeBytes, '\0'));
  if (status.ok()) status = file.value()->Sync();
  (void)file.value()->Close();
  Status removed = env_.RemoveFile(path);
  return status.ok() ? removed : status;
}

void DurableLog::set_retention_floor(std::function<uint64_t()> floor) {
  std::lock_guard lock(floor_mutex_);
  retention_floor_ = std::move(floor);
}

uint64_t DurableLog::RetentionFloor() const {
  std::lock_guard lock(floor_mutex_);
  return retention_floor_ ? retention_floor_() : UINT64_MAX;
}

Status DurableLog::EnforceRetention(core::UnixMillis now) {
  const int64_t max_age_ms = options_.max_age.count();
  const uint64_t floor = RetentionFloor();
  while (segments_.size() > 1) {
    const Segment& oldest = segments_.front();
    // Every seq in the oldest segment is below the next one's first seq.
    if (segments_[1].first_seq > floor) break;
    bool over_bytes = options_.max_total_bytes > 0 && total_bytes_ > options_.max_total_bytes;
    bool too_old = max_age_ms > 0 && oldest.newest_time < now - max_age_ms;
    // Removing the oldest segment leaves next_seq_ - segments_[1].first_seq events.
    bool too_many = options_.max_events > 0 && next_seq_ - oldest.first_seq > options_.max_events;
    if (!over_bytes && !too_old && !too_many) break;
    if (Status status = env_.RemoveFile(oldest.path); !status.ok()) return status;
    spdlog::info("durable log {}: retention removed {} (seq {}-{}, {} bytes, {})", dir_,
                 oldest.path, oldest.first_seq, segments_[1].first_seq - 1, oldest.bytes,
                 over_bytes ? "over max_total_bytes"
                 : too_old  ? "older than max_age"
                            : "over max_events");
    total_bytes_ -= oldest.bytes;
    segments_.erase(segments_.begin());
  }
  return Status::Ok();
}

}  // namespace herald::backbone
