#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "backbone/durable_log.h"
#include "backbone/log_dir.h"
#include "core/clock.h"

namespace herald::backbone::log_format {

// Readable failure messages for EXPECT_EQ on records.
inline void PrintTo(const EventRecord& event, std::ostream* out) {
  *out << "{seq " << event.seq << ", t " << event.publish_time << ", " << event.topic << ": "
       << event.payload << "}";
}

}  // namespace herald::backbone::log_format

namespace herald::backbone::testing {

// Events seq first..first+count-1, each with its own topic and payload, published at
// `publish_time` (now by default, so that age retention keeps them).
inline std::vector<EventRecord> Batch(uint64_t first, size_t count,
                                      core::UnixMillis publish_time = core::WallClockMs()) {
  std::vector<EventRecord> batch;
  for (uint64_t seq = first; seq < first + count; ++seq) {
    batch.push_back(EventRecord{seq, publish_time, 7, seq % 3 != 0,
                                "topic/" + std::to_string(seq % 5),
                                "payload " + std::to_string(seq)});
  }
  return batch;
}

// Opens the log and keeps what recovery replayed.
struct Opened {
  core::Result<std::unique_ptr<DurableLog>> log = core::Error{};
  std::vector<EventRecord> replayed;
};

inline Opened OpenLog(Env& env, const std::string& dir, DurableLogOptions options = {}) {
  Opened opened;
  opened.log = DurableLog::Open(env, dir, options, [&opened](EventRecord&& event) {
    opened.replayed.push_back(std::move(event));
  });
  return opened;
}

inline std::vector<uint64_t> Seqs(const std::vector<EventRecord>& events) {
  std::vector<uint64_t> seqs;
  for (const EventRecord& event : events) seqs.push_back(event.seq);
  return seqs;
}

inline std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> seqs;
  for (uint64_t seq = first; seq <= last; ++seq) seqs.push_back(seq);
  return seqs;
}

inline std::string SegmentPath(const std::string& dir, uint64_t first_seq) {
  return JoinPath(dir, log_dir::SegmentName(first_seq));
}

// The segment with the highest first seq: the active one.
inline std::string LastSegmentPath(Env& env, const std::string& dir) {
  uint64_t last = 0;
  auto children = env.GetChildren(dir);
  for (const std::string& name : children.value()) {
    if (auto seq = log_dir::ParseSegmentName(name); seq && *seq > last) last = *seq;
  }
  return SegmentPath(dir, last);
}

}  // namespace herald::backbone::testing
