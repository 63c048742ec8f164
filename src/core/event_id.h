#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald::core {

// An event id on the wire: "<epoch>:<seq>". The epoch is opaque ([A-Za-z0-9_-]{1,32}) and only
// compared for equality; seq is a decimal 64-bit number.
struct EventId {
  std::string epoch;
  uint64_t seq = 0;

  std::string ToString() const;
  bool operator==(const EventId&) const = default;
};

inline constexpr size_t kMaxEpochBytes = 32;

bool IsValidEpoch(std::string_view epoch);

// Parses "<epoch>:<seq>"; nullopt when malformed (bad epoch, seq not a decimal uint64).
std::optional<EventId> ParseEventId(std::string_view text);

std::string FormatEventId(std::string_view epoch, uint64_t seq);

}  // namespace herald::core
