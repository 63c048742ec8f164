#include "core/event_id.h"

#include <gtest/gtest.h>

#include <string>

namespace herald::core {
namespace {

TEST(ParseEventId, ParsesEpochAndSeq) {
  EXPECT_EQ(ParseEventId("abc:5"), (EventId{"abc", 5}));
  EXPECT_EQ(ParseEventId("A-z_09:0"), (EventId{"A-z_09", 0}));
}

TEST(ParseEventId, AcceptsTheLargestUint64) {
  EXPECT_EQ(ParseEventId("e:18446744073709551615"), (EventId{"e", 18446744073709551615ull}));
}

TEST(ParseEventId, RefusesSeqOverUint64) {
  EXPECT_EQ(ParseEventId("e:18446744073709551616"), std::nullopt);
  EXPECT_EQ(ParseEventId("e:99999999999999999999"), std::nullopt);
  EXPECT_EQ(ParseEventId("e:100000000000000000000"), std::nullopt);
}

TEST(ParseEventId, AcceptsLeadingZerosAndNormalizesThem) {
  auto id = ParseEventId("e:007");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->seq, 7u);
  EXPECT_EQ(id->ToString(), "e:7");
}

TEST(ParseEventId, RefusesNonDecimalSeq) {
  EXPECT_EQ(ParseEventId("e:"), std::nullopt);
  EXPECT_EQ(ParseEventId("e:-1"), std::nullopt);
  EXPECT_EQ(ParseEventId("e:+1"), std::nullopt);
  EXPECT_EQ(ParseEventId("e: 1"), std::nullopt);
  EXPECT_EQ(ParseEventId("e:1 "), std::nullopt);
  EXPECT_EQ(ParseEventId("e:0x10"), std::nullopt);
  EXPECT_EQ(ParseEventId("e:1e3"), std::nullopt);
}

TEST(ParseEventId, RefusesMissingOrExtraColon) {
  EXPECT_EQ(ParseEventId("abc"), std::nullopt);
  EXPECT_EQ(ParseEventId("5"), std::nullopt);
  EXPECT_EQ(ParseEventId(""), std::nullopt);
  EXPECT_EQ(ParseEventId(":5"), std::nullopt);
  EXPECT_EQ(ParseEventId("a:b:5"), std::nullopt);
}

TEST(ParseEventId, AcceptsEpochOf32CharactersAndRefuses33) {
  EXPECT_EQ(ParseEventId(std::string(32, 'e') + ":1"), (EventId{std::string(32, 'e'), 1}));
  EXPECT_EQ(ParseEventId(std::string(33, 'e') + ":1"), std::nullopt);
}

TEST(ParseEventId, RefusesEpochOutsideTheAlphabet) {
  EXPECT_EQ(ParseEventId("a.b:1"), std::nullopt);
  EXPECT_EQ(ParseEventId("a b:1"), std::nullopt);
  EXPECT_EQ(ParseEventId("a/b:1"), std::nullopt);
  EXPECT_EQ(ParseEventId("caf\xc3\xa9:1"), std::nullopt);
}

TEST(IsValidEpoch, AcceptsOnlyTheAlphabetWithinLength) {
  EXPECT_TRUE(IsValidEpoch("azAZ09_-"));
  EXPECT_TRUE(IsValidEpoch(std::string(32, '-')));
  EXPECT_FALSE(IsValidEpoch(""));
  EXPECT_FALSE(IsValidEpoch(std::string(33, 'a')));
  EXPECT_FALSE(IsValidEpoch("a:b"));
  EXPECT_FALSE(IsValidEpoch("a+"));
}

TEST(FormatEventId, JoinsEpochAndDecimalSeq) {
  EXPECT_EQ(FormatEventId("abc", 5), "abc:5");
  EXPECT_EQ(FormatEventId("e", 0), "e:0");
  EXPECT_EQ(FormatEventId("e", 18446744073709551615ull), "e:18446744073709551615");
  EXPECT_EQ((EventId{"x-1", 42}).ToString(), "x-1:42");
}

TEST(EventId, ToStringRoundTripsThroughParse) {
  for (const EventId& id : {EventId{"a", 0}, EventId{"epoch_1", 1},
                            EventId{std::string(32, 'Z'), 18446744073709551615ull}}) {
    EXPECT_EQ(ParseEventId(id.ToString()), id);
  }
}

}  // namespace
}  // namespace herald::core
