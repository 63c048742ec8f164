#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace herald::proto::ws {

inline constexpr size_t kSha1Bytes = 20;

// SHA-1 digest of `data` (FIPS 180-4). Used only for the RFC 6455 4.2.2 accept key, where
// collision resistance does not matter; never use it for anything that needs a secure hash.
std::array<uint8_t, kSha1Bytes> Sha1(std::string_view data);

}  // namespace herald::proto::ws
