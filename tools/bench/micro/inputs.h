#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.h"

// Realistic inputs shared by the micro-benchmarks: payloads of an exact size and events as the
// backbone hands them to the node.
namespace herald::bench {

inline constexpr std::string_view kEpoch = "Xk3Jd9_q2LmA";

// Compact JSON of exactly `bytes` bytes (>= 51): a score update, padded with plays and a note.
std::string JsonPayload(size_t bytes);
// UTF-8 text of exactly `bytes` bytes that is not JSON (a commentary line, some non-ASCII).
std::string TextPayload(size_t bytes);
// Bytes of exactly `bytes` length that are not UTF-8 (a protobuf-like blob).
std::string BinaryPayload(size_t bytes, uint32_t seed = 1);

// "scores/<league>/game-<i>", league chosen from 8 by `i`.
std::string GameTopic(size_t i);
std::string_view League(size_t i);

core::EventPtr MakeEvent(std::string topic, std::string payload, uint64_t seq,
                         core::UnixMillis edge_time = 1'732'700'000'000);

}  // namespace herald::bench
