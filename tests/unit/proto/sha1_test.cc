#include "proto/ws/sha1.h"

#include <gtest/gtest.h>

#include <string>

namespace herald::proto::ws {
namespace {

std::string Hex(const std::array<uint8_t, kSha1Bytes>& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t byte : digest) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0xf];
  }
  return hex;
}

// FIPS 180 examples (NIST CSRC "SHA1.pdf" and FIPS 180-1 appendices A-C).
TEST(Sha1, FipsOneBlockMessage) {
  EXPECT_EQ(Hex(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Sha1, FipsTwoBlockMessage) {
  EXPECT_EQ(Hex(Sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST(Sha1, FipsLongMessage) {
  EXPECT_EQ(Hex(Sha1("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")),
            "a49b2446a02c645bf419f995b67091253a04a259");
}

TEST(Sha1, FipsMillionAs) {
  EXPECT_EQ(Hex(Sha1(std::string(1000000, 'a'))), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1, EmptyMessage) { EXPECT_EQ(Hex(Sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709"); }

// Lengths around the padding boundaries: 55 bytes still fit the length in the same block, 56
// need a second one; 64 is a whole block with padding alone in the next.
TEST(Sha1, PaddingBoundaries) {
  EXPECT_EQ(Hex(Sha1(std::string(55, 'a'))), "c1c8bbdc22796e28c0e15163d20899b65621d65a");
  EXPECT_EQ(Hex(Sha1(std::string(56, 'a'))), "c2db330f6083854c99d4b5bfb6e8f29f201be699");
  EXPECT_EQ(Hex(Sha1(std::string(63, 'a'))), "03f09f5b158a7a8cdad920bddc29b81c18a551f5");
  EXPECT_EQ(Hex(Sha1(std::string(64, 'a'))), "0098ba824b5c16427bd7a1122a5a442a25ec644d");
  EXPECT_EQ(Hex(Sha1(std::string(65, 'a'))), "11655326c708d70319be2610e8a57d9a5b959d3b");
  EXPECT_EQ(Hex(Sha1(std::string(119, 'a'))), "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56");
  EXPECT_EQ(Hex(Sha1(std::string(120, 'a'))), "f34c1488385346a55709ba056ddd08280dd4c6d6");
}

TEST(Sha1, HashesEveryByteValue) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(Hex(Sha1(all)), "4916d6bdb7f78e6803698cab32d1586ea457dfc8");
}

}  // namespace
}  // namespace herald::proto::ws
