#include "backbone/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace herald::backbone::crc32c {
namespace {

// RFC 3720 (iSCSI) appendix B.4 "CRC Examples".
TEST(Crc32c, Rfc3720ThirtyTwoZeros) { EXPECT_EQ(Value(std::string(32, '\0')), 0x8a9136aau); }

TEST(Crc32c, Rfc3720ThirtyTwoOnes) { EXPECT_EQ(Value(std::string(32, '\xff')), 0x62a8ab43u); }

TEST(Crc32c, Rfc3720IncrementingBytes) {
  std::string data;
  for (int i = 0; i < 32; ++i) data.push_back(static_cast<char>(i));
  EXPECT_EQ(Value(data), 0x46dd794eu);
}

TEST(Crc32c, Rfc3720DecrementingBytes) {
  std::string data;
  for (int i = 31; i >= 0; --i) data.push_back(static_cast<char>(i));
  EXPECT_EQ(Value(data), 0x113fdb5cu);
}

TEST(Crc32c, Rfc3720IscsiReadCommandPdu) {
  const unsigned char pdu[48] = {
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
      0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  EXPECT_EQ(Value(std::string(reinterpret_cast<const char*>(pdu), sizeof pdu)), 0xd9963a56u);
}

TEST(Crc32c, CheckValueOfDigits) { EXPECT_EQ(Value("123456789"), 0xe3069283u); }

TEST(Crc32c, EmptyInputIsZero) { EXPECT_EQ(Value(""), 0u); }

TEST(Crc32c, ExtendEqualsValueOfConcatenation) {
  std::string data = "hello world, this is a longer string to cross the 8-byte fast path";
  for (size_t split = 0; split <= data.size(); ++split) {
    std::string_view view(data);
    EXPECT_EQ(Extend(Value(view.substr(0, split)), view.substr(split)), Value(data)) << split;
  }
}

TEST(Crc32c, MaskRoundTripsAndChangesTheValue) {
  for (uint32_t crc : {0u, 1u, 0xe3069283u, 0xffffffffu}) {
    EXPECT_NE(Mask(crc), crc);
    EXPECT_NE(Mask(Mask(crc)), Mask(crc));
    EXPECT_EQ(Unmask(Mask(crc)), crc);
  }
}

}  // namespace
}  // namespace herald::backbone::crc32c
