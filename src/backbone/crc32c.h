#pragma once

#include <cstdint>
#include <string_view>

namespace herald::backbone::crc32c {

// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected), as iSCSI (RFC 3720 B.4) and
// LevelDB use it. Table-driven, slicing by 8; no CPU-specific instructions.

// The CRC of `data` appended to a stream whose CRC so far is `crc`.
uint32_t Extend(uint32_t crc, std::string_view data);

inline uint32_t Value(std::string_view data) { return Extend(0, data); }

// A CRC stored next to the data it covers is masked, as LevelDB does, so that the CRC of a
// string containing embedded CRCs stays well distributed.
inline constexpr uint32_t kMaskDelta = 0xa282ead8u;

inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }

inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace herald::backbone::crc32c
