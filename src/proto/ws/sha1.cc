#include "proto/ws/sha1.h"

#include <cstring>

namespace herald::proto::ws {
namespace {

constexpr size_t kBlockBytes = 64;

uint32_t RotateLeft(uint32_t x, int bits) { return (x << bits) | (x >> (32 - bits)); }

// FIPS 180-4 6.1.2: one 512-bit block into the running hash.
void ProcessBlock(std::array<uint32_t, 5>& h, const unsigned char* block) {
  uint32_t w[80];
  for (int t = 0; t < 16; ++t) {
    w[t] = static_cast<uint32_t>(block[4 * t]) << 24 |
           static_cast<uint32_t>(block[4 * t + 1]) << 16 |
           static_cast<uint32_t>(block[4 * t + 2]) << 8 | static_cast<uint32_t>(block[4 * t + 3]);
  }
  for (int t = 16; t < 80; ++t) w[t] = RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int t = 0; t < 80; ++t) {
    // FIPS 180-4 4.1.1 and 4.2.1: the round function and constant change every 20 rounds.
    uint32_t f;
    uint32_t k;
    if (t < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (t < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    uint32_t temp = RotateLeft(a, 5) + f + e + k + w[t];
    e = d;
    d = c;
    c = RotateLeft(b, 30);
    b = a;
    a = temp;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

}  // namespace

std::array<uint8_t, kSha1Bytes> Sha1(std::string_view data) {
  // FIPS 180-4 5.3.1: initial hash value.
  std::array<uint32_t, 5> h = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};

  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  size_t whole = data.size() - data.size() % kBlockBytes;
  for (size_t i = 0; i < whole; i += kBlockBytes) ProcessBlock(h, bytes + i);

  // FIPS 180-4 5.1.1: append 0x80, zeros, then the message length in bits as 64-bit big-endian;
  // the tail takes one block, or two when fewer than 9 bytes remain after the data.
  unsigned char tail[2 * kBlockBytes] = {};
  size_t rest = data.size() - whole;
  if (rest > 0) std::memcpy(tail, bytes + whole, rest);
  tail[rest] = 0x80;
  size_t tail_bytes = rest + 9 <= kBlockBytes ? kBlockBytes : 2 * kBlockBytes;
  uint64_t bit_length = static_cast<uint64_t>(data.size()) * 8;
  for (size_t i = 0; i < 8; ++i) {
    tail[tail_bytes - 1 - i] = static_cast<unsigned char>(bit_length >> (8 * i));
  }
  for (size_t i = 0; i < tail_bytes; i += kBlockBytes) ProcessBlock(h, tail + i);

  std::array<uint8_t, kSha1Bytes> digest;
  for (size_t i = 0; i < 5; ++i) {
    for (size_t j = 0; j < 4; ++j) digest[4 * i + j] = static_cast<uint8_t>(h[i] >> (24 - 8 * j));
  }
  return digest;
}

}  // namespace herald::proto::ws
