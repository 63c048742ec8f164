#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/http/request.h"
#include "proto/http/url.h"

namespace herald::proto::http {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

TEST(HttpUrl, PercentDecodeDecodesEscapesInEitherCase) {
  EXPECT_EQ(PercentDecode("a%2Fb%2fc%20d", false), "a/b/c d");
  EXPECT_EQ(PercentDecode("", false), "");
  EXPECT_EQ(PercentDecode("plain", true), "plain");
}

TEST(HttpUrl, PercentDecodeTurnsPlusIntoSpaceOnlyWhenAsked) {
  EXPECT_EQ(PercentDecode("a+b%2B", false), "a+b+");
  EXPECT_EQ(PercentDecode("a+b%2B", true), "a b+");
}

TEST(HttpUrl, PercentDecodeKeepsNulAndHighBytes) {
  EXPECT_EQ(PercentDecode("%00%FF%c3%a9", false), std::string("\0\xFF\xC3\xA9", 4));
}

TEST(HttpUrl, PercentDecodeRejectsMalformedEscapes) {
  for (std::string_view text : {"%", "%4", "%zz", "%g0", "%0g", "abc%2", "%%41", "a%"}) {
    EXPECT_EQ(PercentDecode(text, false), std::nullopt) << text;
    EXPECT_EQ(PercentDecode(text, true), std::nullopt) << text;
  }
}

TEST(HttpUrl, TargetIsSplitIntoDecodedPathAndQuery) {
  std::optional<Target> target = ParseTarget("/a/b?x=1&y");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->path, "/a/b");
  EXPECT_EQ(target->query, (Query{{"x", "1"}, {"y", ""}}));
}

TEST(HttpUrl, PathKeepsPlusAndDecodesEscapes) {
  std::optional<Target> target = ParseTarget("/api/state/a%2F%23/b+c%20d");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->path, "/api/state/a/#/b+c d");
  EXPECT_TRUE(target->query.empty());
}

TEST(HttpUrl, QueryPlusIsSpaceAndEscapedPlusIsPlus) {
  std::optional<Target> target = ParseTarget("/s?q=a+b%2Bc&k%20ey=v%3Dw");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->query, (Query{{"q", "a b+c"}, {"k ey", "v=w"}}));
}

TEST(HttpUrl, ValueKeepsEqualsAndQuestionMarks) {
  std::optional<Target> target = ParseTarget("/s?x=a=b?c&=v");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->query, (Query{{"x", "a=b?c"}, {"", "v"}}));
}

TEST(HttpUrl, EmptyQueryItemsAreSkipped) {
  std::optional<Target> target = ParseTarget("/s?&a=1&&b=&");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->query, (Query{{"a", "1"}, {"b", ""}}));
  std::optional<Target> bare = ParseTarget("/s?");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->path, "/s");
  EXPECT_TRUE(bare->query.empty());
}

TEST(HttpUrl, QueryFindsFirstAndAllFindsEveryValue) {
  std::optional<Target> target = ParseTarget("/?topic=a&x=0&topic=b%2Fc");
  ASSERT_TRUE(target);
  ASSERT_NE(target->Query("topic"), nullptr);
  EXPECT_EQ(*target->Query("topic"), "a");
  EXPECT_EQ(target->Query("missing"), nullptr);
  EXPECT_EQ(target->All("topic"), (std::vector<std::string>{"a", "b/c"}));
  EXPECT_TRUE(target->All("missing").empty());
}

TEST(HttpUrl, NonOriginFormIsRejected) {
  for (std::string_view raw : {"", "a/b", "http://example.com/p", "*", "example.com:443", "?x=1"}) {
    EXPECT_EQ(ParseTarget(raw), std::nullopt) << raw;
  }
}

TEST(HttpUrl, MalformedEscapeAnywhereIsRejected) {
  for (std::string_view raw : {"/a%2", "/a%zz?x=1", "/a?x%=1", "/a?x=%4", "/a?ok=1&%"}) {
    EXPECT_EQ(ParseTarget(raw), std::nullopt) << raw;
  }
}

TEST(HttpUrl, FragmentsWhitespaceAndControlCharactersAreRejected) {
  for (std::string_view raw : {"/a#frag", "/a b", "/a\tb", "/a\x7F", "/\xC3\xA9"}) {
    EXPECT_EQ(ParseTarget(raw), std::nullopt) << raw;
  }
}

TEST(HttpUrl, TargetOfAParsedRequestDecodes) {
  ParseResult parsed =
      ParseRequest("GET /api/state/a%2F%23?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", RequestLimits{});
  ASSERT_EQ(parsed.kind, ParseResult::Kind::kRequest);
  std::optional<Target> target = ParseTarget(parsed.request.target);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->path, "/api/state/a/#");
  EXPECT_EQ(*target->Query("x"), "1");
}

}  // namespace
}  // namespace herald::proto::http
