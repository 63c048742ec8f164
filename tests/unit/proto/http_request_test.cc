// Request line, header fields, persistence and the head limits of ParseRequest.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "http_test_util.h"
#include "proto/http/request.h"

namespace herald::proto::http {
namespace {

using Kind = ParseResult::Kind;

using testing::ExpectError;
using testing::Parse;

TEST(HttpRequest, GetIsParsedIntoExactFields) {
  std::string input =
      "GET /api/state/a%2F%23?x=1 HTTP/1.1\r\n"
      "Host: example.com\r\n"
      "X-Custom:  spaced value \t\r\n"
      "\r\n";
  ParseResult result = Parse(input);
  ASSERT_EQ(result.kind, Kind::kRequest) << result.error.message;
  EXPECT_EQ(result.consumed, input.size());
  const Request& request = result.request;
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target, "/api/state/a%2F%23?x=1");
  EXPECT_EQ(request.version_minor, 1);
  ASSERT_EQ(request.headers.size(), 2u);
  EXPECT_EQ(request.headers[0], std::make_pair(std::string("host"), std::string("example.com")));
  EXPECT_EQ(request.headers[1],
            std::make_pair(std::string("x-custom"), std::string("spaced value")));
  EXPECT_TRUE(request.body.empty());
  EXPECT_TRUE(request.keep_alive);
}

TEST(HttpRequest, FindReturnsFirstHeaderWithLowerCaseName) {
  ParseResult result = Parse("GET / HTTP/1.1\r\nACCEPT: a\r\naccept: b\r\nX-Empty:\r\n\r\n");
  ASSERT_EQ(result.kind, Kind::kRequest);
  ASSERT_NE(result.request.Find("accept"), nullptr);
  EXPECT_EQ(*result.request.Find("accept"), "a");
  ASSERT_NE(result.request.Find("x-empty"), nullptr);
  EXPECT_EQ(*result.request.Find("x-empty"), "");
  EXPECT_EQ(result.request.Find("ACCEPT"), nullptr);
  EXPECT_EQ(result.request.Find("missing"), nullptr);
}

TEST(HttpRequest, ValueKeepsInnerWhitespaceAndObsText) {
  ParseResult result = Parse("GET / HTTP/1.1\r\nX-Name: a \t b \xC3\xA9\r\n\r\n");
  ASSERT_EQ(result.kind, Kind::kRequest);
  EXPECT_EQ(*result.request.Find("x-name"), "a \t b \xC3\xA9");
}

TEST(HttpRequest, BareLfLineEndingsAreAccepted) {
  std::string input = "GET /x HTTP/1.1\nHost: a\n\n";
  ParseResult result = Parse(input);
  ASSERT_EQ(result.kind, Kind::kRequest) << result.error.message;
  EXPECT_EQ(result.consumed, input.size());
  EXPECT_EQ(*result.request.Find("host"), "a");
}

TEST(HttpRequest, EmptyLinesBeforeRequestLineAreSkippedAndConsumed) {
  std::string input = "\r\n\n\r\nGET / HTTP/1.1\r\n\r\n";
  ParseResult result = Parse(input);
  ASSERT_EQ(result.kind, Kind::kRequest);
  EXPECT_EQ(result.consumed, input.size());
  EXPECT_EQ(result.request.method, "GET");
}

TEST(HttpRequest, IncompleteHeadNeedsMore) {
  for (std::string_view input :
       {"", "\r", "\r\n", "GET", "GET / HTTP/1.1", "GET / HTTP/1.1\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r"}) {
    ParseResult result = Parse(input);
    EXPECT_EQ(result.kind, Kind::kNeedMore) << ::testing::PrintToString(std::string(input));
    EXPECT_EQ(result.consumed, 0u);
  }
}

TEST(HttpRequest, Http10ClosesUnlessKeepAliveIsAsked) {
  ParseResult plain = Parse("GET / HTTP/1.0\r\n\r\n");
  ASSERT_EQ(plain.kind, Kind::kRequest);
  EXPECT_EQ(plain.request.version_minor, 0);
  EXPECT_FALSE(plain.request.keep_alive);
  ParseResult asked = Parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  ASSERT_EQ(asked.kind, Kind::kRequest);
  EXPECT_TRUE(asked.request.keep_alive);
}

TEST(HttpRequest, Http11StaysOpenUnlessCloseIsListed) {
  EXPECT_TRUE(Parse("GET / HTTP/1.1\r\n\r\n").request.keep_alive);
  EXPECT_TRUE(Parse("GET / HTTP/1.1\r\nConnection: Upgrade\r\n\r\n").request.keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").request.keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n").request.keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nConnection: upgrade\r\nConnection: ,close,\r\n\r\n")
                   .request.keep_alive);
  // "close" is a token, not a substring.
  EXPECT_TRUE(Parse("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n").request.keep_alive);
}

TEST(HttpRequest, CloseWinsOverKeepAlive) {
  EXPECT_FALSE(Parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").request.keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nConnection: close, keep-alive\r\n\r\n").request.keep_alive);
}

TEST(HttpRequest, MalformedRequestLineIs400) {
  for (std::string_view input : {
           " GET / HTTP/1.1\r\n\r\n",         // empty method
           "GET  / HTTP/1.1\r\n\r\n",         // empty target
           "G(T / HTTP/1.1\r\n\r\n",          // not a token
           "GET /a\x01z HTTP/1.1\r\n\r\n",    // control character in the target
           "GET /\xC3\xA9 HTTP/1.1\r\n\r\n",  // raw non-ASCII in the target
           "GET /a\rb HTTP/1.1\r\n\r\n",      // bare CR
           "GET / HTTP/1.1 \r\n\r\n",         // trailing space
           "GET / HTTP/1.1\r\r\n\r\n",
           "GET / http/1.1\r\n\r\n",
           "GET / HTTP/1.10\r\n\r\n",
           "GET / HTTP/1\r\n\r\n",
           "GET / HTTP/a.1\r\n\r\n",
           "GET /\r\n\r\n",  // HTTP/0.9 style
           "GET\r\n\r\n",
           "GET \r\n\r\n",
       }) {
    ExpectError(input, 400);
  }
}

TEST(HttpRequest, MalformedHeaderLineIs400) {
  for (std::string_view input : {
           "GET / HTTP/1.1\r\nHost a\r\n\r\n",             // no colon
           "GET / HTTP/1.1\r\nHost : a\r\n\r\n",           // whitespace before the colon
           "GET / HTTP/1.1\r\n: a\r\n\r\n",                // empty name
           "GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n",  // obs-fold
           "GET / HTTP/1.1\r\nX-A: 1\r\n\tfolded\r\n\r\n",
           "GET / HTTP/1.1\r\n X-A: 1\r\n\r\n",  // whitespace before the first field
           "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", "GET / HTTP/1.1\r\nX-A: a\x7F\r\n\r\n",
           "GET / HTTP/1.1\r\nX(A): a\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",  // RFC 9112 3.2: one Host only
       }) {
    ExpectError(input, 400);
  }
  ExpectError(std::string_view("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 28), 400);
}

TEST(HttpRequest, ErrorMessageNamesTheHeaderLine) {
  ParseResult result = Parse("GET / HTTP/1.1\r\nHost: a\r\nBroken\r\n\r\n");
  ASSERT_EQ(result.kind, Kind::kError);
  EXPECT_EQ(result.error.status, 400);
  EXPECT_EQ(result.error.message, "header line 2 has no colon");
}

TEST(HttpRequest, UnsupportedVersionIs505) {
  for (std::string_view input : {"GET / HTTP/2.0\r\n\r\n", "GET / HTTP/1.2\r\n\r\n",
                                 "GET / HTTP/0.9\r\n\r\n", "GET / HTTP/3.1\r\n\r\n"}) {
    ExpectError(input, 505);
  }
}

TEST(HttpRequest, MalformedRequestLineIsRefusedBeforeItEnds) {
  ExpectError("G(", 400);
  ExpectError("GET /a\x01", 400);
  ExpectError("GET / HTTX", 400);
  ExpectError("GET / HTTP/1.1x", 400);
  ExpectError("GET / HTTP/1.1\r\nBad Name", 400);
  ExpectError("GET / HTTP/1.1\r\n folded", 400);
}

TEST(HttpRequest, TargetAtLimitIsAcceptedAndLongerIs414) {
  RequestLimits limits;
  limits.max_target_bytes = 10;
  ParseResult at_limit = Parse("GET /123456789 HTTP/1.1\r\n\r\n", limits);
  ASSERT_EQ(at_limit.kind, Kind::kRequest);
  EXPECT_EQ(at_limit.request.target, "/123456789");
  ExpectError("GET /1234567890 HTTP/1.1\r\n\r\n", 414, limits);
}

TEST(HttpRequest, LongTargetIs414BeforeTheLineEnds) {
  RequestLimits limits;
  limits.max_target_bytes = 10;
  ParseResult short_enough = Parse("GET /123456789", limits);
  EXPECT_EQ(short_enough.kind, Kind::kNeedMore);
  ExpectError("GET /1234567890", 414, limits);
}

TEST(HttpRequest, HeadAtLimitIsAcceptedAndOneByteMoreIs431) {
  std::string input = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  RequestLimits limits;
  limits.max_header_bytes = input.size();
  ParseResult at_limit = Parse(input, limits);
  ASSERT_EQ(at_limit.kind, Kind::kRequest);
  EXPECT_EQ(at_limit.consumed, input.size());
  limits.max_header_bytes = input.size() - 1;
  ExpectError(input, 431, limits);
}

TEST(HttpRequest, NoBlankLineWithinHeaderLimitIs431BeforeTheRestArrives) {
  RequestLimits limits;
  limits.max_header_bytes = 64;
  std::string input = "GET / HTTP/1.1\r\nX-Long: " + std::string(20, 'a');
  ASSERT_EQ(Parse(input, limits).kind, Kind::kNeedMore);
  input.append(64 - input.size(), 'a');
  ExpectError(input, 431, limits);
  // Empty lines before the request line count toward the limit too.
  ExpectError(std::string(64, '\n'), 431, limits);
}

TEST(HttpRequest, RequestLineOverHeaderLimitIs431) {
  RequestLimits limits;
  limits.max_header_bytes = 32;
  limits.max_target_bytes = 1000;
  ExpectError("GET /" + std::string(40, 'a') + " HTTP/1.1\r\n\r\n", 431, limits);
}

TEST(HttpRequest, HeaderCountAtLimitIsAcceptedAndOneMoreIs431) {
  RequestLimits limits;
  limits.max_headers = 2;
  ParseResult at_limit = Parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", limits);
  ASSERT_EQ(at_limit.kind, Kind::kRequest);
  EXPECT_EQ(at_limit.request.headers.size(), 2u);
  ExpectError("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431, limits);
  // Refused as soon as the extra field starts.
  ExpectError("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC", 431, limits);
}

}  // namespace
}  // namespace herald::proto::http
