#include "core/topic.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace herald::core {
namespace {

// "l/l/.../l" with `levels` levels.
std::string PathOfLevels(size_t levels) {
  std::string path = "l";
  for (size_t i = 1; i < levels; ++i) path += "/l";
  return path;
}

// Validity.

TEST(TopicError, AcceptsPlainMultiLevelTopic) {
  EXPECT_EQ(TopicError("scores/nba/1"), std::nullopt);
  EXPECT_EQ(TopicError("a"), std::nullopt);
}

TEST(TopicError, AcceptsExactly32Levels) { EXPECT_EQ(TopicError(PathOfLevels(32)), std::nullopt); }

TEST(TopicError, Refuses33Levels) {
  EXPECT_EQ(TopicError(PathOfLevels(33)), "topic has 33 levels, over the limit of 32");
}

TEST(TopicError, AcceptsExactly256Bytes) {
  std::string topic(256, 'x');
  EXPECT_EQ(TopicError(topic), std::nullopt);
}

TEST(TopicError, Refuses257Bytes) {
  std::string topic(257, 'x');
  EXPECT_EQ(TopicError(topic), "topic is 257 bytes, over the limit of 256");
}

TEST(TopicError, CountsBytesNotCodePoints) {
  // 128 two-byte code points are 256 bytes; 129 are 258.
  std::string ok;
  for (int i = 0; i < 128; ++i) ok += "\xc3\xa9";  // é
  EXPECT_EQ(TopicError(ok), std::nullopt);
  EXPECT_EQ(TopicError(ok + "\xc3\xa9"), "topic is 258 bytes, over the limit of 256");
}

TEST(TopicError, RefusesEmptyTopic) { EXPECT_EQ(TopicError(""), "topic is empty"); }

TEST(TopicError, RefusesEmptyLevels) {
  EXPECT_EQ(TopicError("/a"), "topic level 1 is empty");
  EXPECT_EQ(TopicError("a//b"), "topic level 2 is empty");
  EXPECT_EQ(TopicError("a/"), "topic level 2 is empty");
  EXPECT_EQ(TopicError("/"), "topic level 1 is empty");
}

TEST(TopicError, RefusesEachWildcardCharacter) {
  EXPECT_EQ(TopicError("a/+"), "topic level 2 contains '+'");
  EXPECT_EQ(TopicError("a/b#"), "topic level 2 contains '#'");
  EXPECT_EQ(TopicError("*/b"), "topic level 1 contains '*'");
  EXPECT_EQ(TopicError("a/b/x>y"), "topic level 3 contains '>'");
}

TEST(TopicError, RefusesAsciiWhitespaceAndControlCharacters) {
  const std::string bad = "topic level 1 contains whitespace or a control character";
  EXPECT_EQ(TopicError("a b"), bad);
  EXPECT_EQ(TopicError("a\tb"), bad);
  EXPECT_EQ(TopicError("a\nb"), bad);
  EXPECT_EQ(TopicError("a\rb"), bad);
  EXPECT_EQ(TopicError(std::string("a\0b", 3)), bad);
  EXPECT_EQ(TopicError("a\x1f"), bad);
  EXPECT_EQ(TopicError("a\x7f"), bad);
}

TEST(TopicError, RefusesUnicodeWhitespaceAndC1Controls) {
  const std::string bad = "topic level 1 contains whitespace or a control character";
  EXPECT_EQ(TopicError("a\xc2\x85"), bad);      // U+0085 NEL
  EXPECT_EQ(TopicError("a\xc2\xa0"), bad);      // U+00A0 no-break space
  EXPECT_EQ(TopicError("a\xe2\x80\x83"), bad);  // U+2003 em space
  EXPECT_EQ(TopicError("a\xe2\x80\xa8"), bad);  // U+2028 line separator
  EXPECT_EQ(TopicError("a\xe3\x80\x80"), bad);  // U+3000 ideographic space
}

TEST(TopicError, AcceptsMultiByteUtf8) {
  EXPECT_EQ(TopicError("caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x8f\x80"), std::nullopt);
}

TEST(TopicError, RefusesInvalidUtf8) {
  const std::string bad = "topic level 2 is not valid UTF-8";
  EXPECT_EQ(TopicError("a/\xff"), bad);              // never a UTF-8 byte
  EXPECT_EQ(TopicError("a/\x80"), bad);              // lone continuation byte
  EXPECT_EQ(TopicError("a/\xc3"), bad);              // truncated sequence
  EXPECT_EQ(TopicError("a/\xc3/b"), bad);            // truncated before the separator
  EXPECT_EQ(TopicError("a/\xc0\xaf"), bad);          // overlong '/'
  EXPECT_EQ(TopicError("a/\xe0\x80\xaf"), bad);      // overlong 3-byte
  EXPECT_EQ(TopicError("a/\xed\xa0\x80"), bad);      // surrogate U+D800
  EXPECT_EQ(TopicError("a/\xf4\x90\x80\x80"), bad);  // U+110000
}

TEST(TopicError, AllowsDollarAndOtherPunctuation) {
  EXPECT_EQ(TopicError("$SYS/broker.load"), std::nullopt);
  EXPECT_EQ(TopicError("a-b_c.d:e@f"), std::nullopt);
}

TEST(FilterError, AcceptsWildcardLevels) {
  EXPECT_EQ(FilterError("#"), std::nullopt);
  EXPECT_EQ(FilterError("+"), std::nullopt);
  EXPECT_EQ(FilterError("scores/#"), std::nullopt);
  EXPECT_EQ(FilterError("+/nba/+/#"), std::nullopt);
  EXPECT_EQ(FilterError("$SYS/#"), std::nullopt);
}

TEST(FilterError, RefusesHashBeforeTheLastLevel) {
  EXPECT_EQ(FilterError("#/a"), "filter: '#' must be the last level");
  EXPECT_EQ(FilterError("a/#/b"), "filter: '#' must be the last level");
}

TEST(FilterError, RefusesWildcardsSharingALevel) {
  EXPECT_EQ(FilterError("a/b+"), "filter level 2 contains '+'");
  EXPECT_EQ(FilterError("a/#b"), "filter level 2 contains '#'");
  EXPECT_EQ(FilterError("a/*"), "filter level 2 contains '*'");
  EXPECT_EQ(FilterError(">"), "filter level 1 contains '>'");
}

TEST(FilterError, RefusesEmptyFilterAndEmptyLevels) {
  EXPECT_EQ(FilterError(""), "filter is empty");
  EXPECT_EQ(FilterError("a//#"), "filter level 2 is empty");
  EXPECT_EQ(FilterError("a/"), "filter level 2 is empty");
}

TEST(FilterError, AppliesTheTopicLimits) {
  EXPECT_EQ(FilterError(PathOfLevels(31) + "/#"), std::nullopt);
  EXPECT_EQ(FilterError(PathOfLevels(32) + "/#"), "filter has 33 levels, over the limit of 32");
  EXPECT_EQ(FilterError(std::string(256, 'x')), std::nullopt);
  EXPECT_EQ(FilterError(std::string(257, 'x')), "filter is 257 bytes, over the limit of 256");
}

TEST(FilterError, RefusesInvalidUtf8AndWhitespace) {
  EXPECT_EQ(FilterError("+/\xff"), "filter level 2 is not valid UTF-8");
  EXPECT_EQ(FilterError("a b/#"), "filter level 1 contains whitespace or a control character");
}

// Matching.

TEST(FilterMatches, LiteralFilterMatchesOnlyTheSameTopic) {
  EXPECT_TRUE(FilterMatches("a/b", "a/b"));
  EXPECT_FALSE(FilterMatches("a/b", "a/c"));
  EXPECT_FALSE(FilterMatches("a/b", "a"));
  EXPECT_FALSE(FilterMatches("a/b", "a/b/c"));
  EXPECT_FALSE(FilterMatches("a/b", "a/bc"));
}

TEST(FilterMatches, PlusMatchesExactlyOneLevel) {
  EXPECT_TRUE(FilterMatches("a/+", "a/b"));
  EXPECT_FALSE(FilterMatches("a/+", "a"));
  EXPECT_FALSE(FilterMatches("a/+", "a/b/c"));
  EXPECT_TRUE(FilterMatches("+/b", "a/b"));
  EXPECT_TRUE(FilterMatches("a/+/c", "a/x/c"));
  EXPECT_FALSE(FilterMatches("a/+/c", "a/x/y/c"));
  EXPECT_TRUE(FilterMatches("+", "a"));
  EXPECT_FALSE(FilterMatches("+", "a/b"));
  EXPECT_TRUE(FilterMatches("+/+", "a/b"));
}

TEST(FilterMatches, HashMatchesEveryLevelBelow) {
  EXPECT_TRUE(FilterMatches("#", "a"));
  EXPECT_TRUE(FilterMatches("#", "a/b/c"));
  EXPECT_TRUE(FilterMatches("a/#", "a/b"));
  EXPECT_TRUE(FilterMatches("a/#", "a/b/c/d"));
  EXPECT_FALSE(FilterMatches("a/#", "b/a"));
  EXPECT_FALSE(FilterMatches("a/#", "ab"));
}

TEST(FilterMatches, HashAlsoMatchesItsParentLevel) {
  EXPECT_TRUE(FilterMatches("a/#", "a"));
  EXPECT_TRUE(FilterMatches("a/b/#", "a/b"));
  EXPECT_TRUE(FilterMatches("+/#", "a"));
  EXPECT_FALSE(FilterMatches("a/b/#", "a"));
}

TEST(FilterMatches, WildcardFirstFilterNeverMatchesReservedTopic) {
  EXPECT_FALSE(FilterMatches("#", "$SYS/x"));
  EXPECT_FALSE(FilterMatches("+/x", "$SYS/x"));
  EXPECT_FALSE(FilterMatches("+", "$SYS"));
  EXPECT_FALSE(FilterMatches("+/#", "$SYS/x"));
}

TEST(FilterMatches, FilterNamingTheReservedLevelMatchesIt) {
  EXPECT_TRUE(FilterMatches("$SYS/#", "$SYS/x"));
  EXPECT_TRUE(FilterMatches("$SYS/#", "$SYS"));
  EXPECT_TRUE(FilterMatches("$SYS/+", "$SYS/x"));
  EXPECT_TRUE(FilterMatches("$SYS/x", "$SYS/x"));
}

TEST(FilterMatches, DollarOutsideTheFirstLevelIsNotReserved) {
  EXPECT_TRUE(FilterMatches("#", "a/$x"));
  EXPECT_TRUE(FilterMatches("+/$x", "a/$x"));
}

TEST(FilterMatches, MatchesMultiByteLevelsBytewise) {
  EXPECT_TRUE(FilterMatches("caf\xc3\xa9/+", "caf\xc3\xa9/1"));
  EXPECT_FALSE(FilterMatches("cafe/+", "caf\xc3\xa9/1"));
}

TEST(MatchesAny, TrueWhenAnyFilterMatches) {
  std::vector<std::string> filters = {"a/+", "b/#"};
  EXPECT_TRUE(MatchesAny(filters, "a/1"));
  EXPECT_TRUE(MatchesAny(filters, "b"));
  EXPECT_FALSE(MatchesAny(filters, "c"));
  EXPECT_FALSE(MatchesAny({}, "a/1"));
}

TEST(IsReservedTopic, TrueOnlyForLeadingDollar) {
  EXPECT_TRUE(IsReservedTopic("$SYS/x"));
  EXPECT_TRUE(IsReservedTopic("$ack"));
  EXPECT_FALSE(IsReservedTopic("a/$x"));
  EXPECT_FALSE(IsReservedTopic(""));
}

TEST(SplitLevels, SplitsOnEverySlashKeepingEmptyLevels) {
  EXPECT_EQ(SplitLevels("a/b/c"), (std::vector<std::string_view>{"a", "b", "c"}));
  EXPECT_EQ(SplitLevels("a"), (std::vector<std::string_view>{"a"}));
  EXPECT_EQ(SplitLevels(""), (std::vector<std::string_view>{""}));
  EXPECT_EQ(SplitLevels("/a/"), (std::vector<std::string_view>{"", "a", ""}));
}

TEST(SplitLevels, IntoAnArrayAgreesWithTheVectorAndRefusesTooDeepPaths) {
  std::string_view levels[kMaxTopicLevels];
  for (std::string_view path : {"a/b/c", "a", "", "/a/"}) {
    size_t count = SplitLevels(path, levels);
    EXPECT_EQ(std::vector<std::string_view>(levels, levels + count), SplitLevels(path)) << path;
  }
  std::string deepest = "l";
  for (size_t i = 1; i < kMaxTopicLevels; ++i) deepest += "/l";
  EXPECT_EQ(SplitLevels(deepest, levels), kMaxTopicLevels);
  EXPECT_EQ(SplitLevels(deepest + "/l", levels), 0u);
}

TEST(SplitLevels, ReturnsViewsIntoTheInput) {
  std::string_view path = "ab/cd";
  auto levels = SplitLevels(path);
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_EQ(levels[1].data(), path.data() + 3);
}

TEST(IsValidUtf8, AcceptsEveryEncodingLength) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("a\xc2\x80\xe0\xa0\x80\xf0\x90\x80\x80"));  // U+80, U+800, U+10000
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));                       // U+10FFFF
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf\xee\x80\x80"));               // U+D7FF, U+E000
}

TEST(IsValidUtf8, RefusesOverlongsSurrogatesAndOutOfRange) {
  EXPECT_FALSE(IsValidUtf8("\xc1\xbf"));
  EXPECT_FALSE(IsValidUtf8("\xf0\x8f\xbf\xbf"));
  EXPECT_FALSE(IsValidUtf8("\xed\xbf\xbf"));
  EXPECT_FALSE(IsValidUtf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xf8\x88\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));
  EXPECT_FALSE(IsValidUtf8("\xe2\x28\xa1"));
}

}  // namespace
}  // namespace herald::core
