// Bodies (Content-Length and chunked), pipelining and partial input of ParseRequest.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "http_test_util.h"
#include "proto/http/request.h"

namespace herald::proto::http {
namespace {

using Kind = ParseResult::Kind;

using testing::ExpectError;
using testing::Parse;

void ExpectSameResult(const ParseResult& a, const ParseResult& b) {
  ASSERT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.consumed, b.consumed);
  EXPECT_EQ(a.error.status, b.error.status);
  EXPECT_EQ(a.error.message, b.error.message);
  EXPECT_EQ(a.request.method, b.request.method);
  EXPECT_EQ(a.request.target, b.request.target);
  EXPECT_EQ(a.request.version_minor, b.request.version_minor);
  EXPECT_EQ(a.request.headers, b.request.headers);
  EXPECT_EQ(a.request.body, b.request.body);
  EXPECT_EQ(a.request.keep_alive, b.request.keep_alive);
}

// Feeds `input` one byte more at a time, as a connection would: every shorter prefix must ask for
// more (or, for input that is refused, may already give the very same error).
void ExpectByteAtATimeMatchesWhole(std::string_view input, const RequestLimits& limits = {}) {
  SCOPED_TRACE(::testing::Message() << "input: " << ::testing::PrintToString(std::string(input)));
  ParseResult whole = Parse(input, limits);
  size_t first_answer = input.size();
  for (size_t n = 0; n < input.size(); ++n) {
    ParseResult partial = Parse(input.substr(0, n), limits);
    if (partial.kind == Kind::kNeedMore) {
      ASSERT_LT(n, first_answer) << "kNeedMore after an answer at " << first_answer;
      continue;
    }
    first_answer = std::min(first_answer, n);
    ASSERT_EQ(whole.kind, Kind::kError) << "prefix of " << n << " bytes answered early";
    ExpectSameResult(partial, whole);
  }
}

constexpr std::string_view kChunked =
    "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";

TEST(HttpRequestBody, ContentLengthBodyIsReadExactly) {
  std::string input = "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
  ParseResult result = Parse(input);
  ASSERT_EQ(result.kind, Kind::kRequest) << result.error.message;
  EXPECT_EQ(result.request.body, "hello");
  EXPECT_EQ(result.consumed, input.size());
  EXPECT_EQ(Parse(std::string_view(input).substr(0, input.size() - 1)).kind, Kind::kNeedMore);
}

TEST(HttpRequestBody, ExpectContinueIsReportedOnlyWhileTheBodyIsMissing) {
  std::string head = "POST /p HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n";
  EXPECT_FALSE(Parse(head.substr(0, head.size() - 2)).expects_continue);  // headers unfinished
  ParseResult waiting = Parse(head);
  ASSERT_EQ(waiting.kind, Kind::kNeedMore);
  EXPECT_TRUE(waiting.expects_continue);
  EXPECT_TRUE(Parse(head + "hel").expects_continue);
  ParseResult whole = Parse(head + "hello");
  ASSERT_EQ(whole.kind, Kind::kRequest);
  EXPECT_EQ(whole.request.body, "hello");

  std::string chunked =
      "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n";
  EXPECT_TRUE(Parse(chunked).expects_continue);
  EXPECT_EQ(Parse(chunked + "5\r\nhello\r\n0\r\n\r\n").request.body, "hello");

  // Without the header, and from an HTTP/1.0 client (which cannot read a 100), nothing is owed.
  EXPECT_FALSE(Parse("POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\n").expects_continue);
  EXPECT_FALSE(Parse("POST /p HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                   .expects_continue);
}

TEST(HttpRequestBody, ExpectContinueWithABodyOverTheLimitGets413InsteadOfAContinue) {
  RequestLimits limits;
  limits.max_body_bytes = 10;
  ExpectError("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n", 413, limits);
}

TEST(HttpRequestBody, ExpectationOtherThanContinueIs417) {
  ExpectError("POST / HTTP/1.1\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\nx", 417);
  ExpectError("GET / HTTP/1.1\r\nExpect: 100-continue, x\r\n\r\n", 417);
}

TEST(HttpRequestBody, NoFramingMeansNoBody) {
  std::string input = "POST /p HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n";
  ParseResult result = Parse(input);
  ASSERT_EQ(result.kind, Kind::kRequest);
  EXPECT_EQ(result.request.body, "");
  EXPECT_EQ(result.consumed, input.find("GET"));
}

TEST(HttpRequestBody, ContentLengthAtLimitIsAcceptedAndOverIs413RightAfterHeaders) {
  RequestLimits limits;
  limits.max_body_bytes = 10;
  ParseResult at_limit = Parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits);
  ASSERT_EQ(at_limit.kind, Kind::kRequest);
  EXPECT_EQ(at_limit.request.body, "0123456789");
  ExpectError("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 413, limits);
  ExpectError("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n", 413);
}

TEST(HttpRequestBody, MalformedContentLengthIs400) {
  for (std::string_view value : {"", "abc", "-1", "+5", "5 5", "0x10", "5,", "1.0"}) {
    ExpectError("POST / HTTP/1.1\r\nContent-Length: " + std::string(value) + "\r\n\r\n", 400);
  }
}

TEST(HttpRequestBody, RepeatedEqualContentLengthIsAcceptedAndDifferingIs400) {
  for (std::string_view headers : {"Content-Length: 3\r\nContent-Length: 3\r\n",
                                   "Content-Length: 3, 3\r\n", "Content-Length: 03\r\n"}) {
    ParseResult result = Parse("POST / HTTP/1.1\r\n" + std::string(headers) + "\r\nabc");
    ASSERT_EQ(result.kind, Kind::kRequest) << headers;
    EXPECT_EQ(result.request.body, "abc");
  }
  ExpectError("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400);
  ExpectError("POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd", 400);
}

TEST(HttpRequestBody, ContentLengthWithTransferEncodingIs400) {
  ExpectError("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
              400);
}

TEST(HttpRequestBody, ChunkedBodyIsDecoded) {
  ParseResult result = Parse(kChunked);
  ASSERT_EQ(result.kind, Kind::kRequest) << result.error.message;
  EXPECT_EQ(result.request.body, "Wikipedia in\r\n\r\nchunks.");
  EXPECT_EQ(result.consumed, kChunked.size());
}

TEST(HttpRequestBody, ChunkExtensionsAreIgnoredAndTrailersSkipped) {
  std::string input =
      "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "3;name=value\r\nabc\r\n2 ; x=\"q\"\r\nde\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n";
  ParseResult result = Parse(input);
  ASSERT_EQ(result.kind, Kind::kRequest) << result.error.message;
  EXPECT_EQ(result.request.body, "abcde");
  EXPECT_EQ(result.consumed, input.size());
  EXPECT_EQ(result.request.Find("expires"), nullptr);
}

TEST(HttpRequestBody, ChunkedAcceptsBareLfAndHexCase) {
  std::string input =
      "POST / HTTP/1.1\nTransfer-Encoding: chunked\n\na\n0123456789\nA\n0123456789\n0\n\n";
  ParseResult result = Parse(input);
  ASSERT_EQ(result.kind, Kind::kRequest) << result.error.message;
  EXPECT_EQ(result.request.body, "01234567890123456789");
  EXPECT_EQ(result.consumed, input.size());
}

TEST(HttpRequestBody, ChunkOverLimitIs413BeforeItsDataArrives) {
  RequestLimits limits;
  limits.max_body_bytes = 10;
  std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  ParseResult at_limit = Parse(head + "a\r\n0123456789\r\n0\r\n\r\n", limits);
  ASSERT_EQ(at_limit.kind, Kind::kRequest) << at_limit.error.message;
  ExpectError(head + "b", 413, limits);
  ExpectError(head + "6\r\n012345\r\n5", 413, limits);  // the total counts, not each chunk
  ExpectError(head + "FFFFFFFFFFFFFFFFFFFFFFFF", 413);  // would overflow 64 bits
}

TEST(HttpRequestBody, ChunkFramingOverTheBodyLimitIs413) {
  RequestLimits limits;
  limits.max_body_bytes = 64;
  std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  // 1-byte chunks with 16-digit sizes: 19 framing bytes per body byte.
  std::string padded;
  for (int i = 0; i < 3; ++i) padded += "0000000000000001\r\nx\r\n";
  ParseResult small = Parse(head + padded + "0\r\n\r\n", limits);
  ASSERT_EQ(small.kind, Kind::kRequest) << small.error.message;  // 60 bytes of framing: fine
  EXPECT_EQ(small.request.body, "xxx");
  std::string many;
  for (int i = 0; i < 8; ++i) many += "0000000000000001\r\nx\r\n";
  ExpectError(head + many + "0\r\n\r\n", 413, limits);
  ExpectByteAtATimeMatchesWhole(head + many + "0\r\n\r\n", limits);
  // Ordinary chunking of a body at the limit is far under it.
  ParseResult plain = Parse(head + "20\r\n" + std::string(32, 'a') + "\r\n20\r\n" +
                                std::string(32, 'b') + "\r\n0\r\n\r\n",
                            limits);
  ASSERT_EQ(plain.kind, Kind::kRequest) << plain.error.message;
}

TEST(HttpRequestBody, MalformedChunkingIs400) {
  std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::string_view body : {
           "x\r\n",
           "\r\n",
           "-1\r\n",
           "4x\r\nWiki\r\n0\r\n\r\n",
           "4\r\nWikiX\r\n0\r\n\r\n",              // data longer than its size
           "4\r\nWiki\rX0\r\n\r\n",                // bare CR after the data
           "4;a\rb\r\nWiki\r\n0\r\n\r\n",          // bare CR in an extension
           "00000000000000001\r\nx\r\n0\r\n\r\n",  // 17 hex digits
           "0\r\nbad trailer\r\n\r\n",
           "0\r\n folded: x\r\n\r\n",
       }) {
    ExpectError(head + std::string(body), 400);
  }
}

TEST(HttpRequestBody, EndlessChunkExtensionsAre413) {
  std::string input = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;";
  input.append(16 * 1024, 'x');
  ExpectError(input, 413);
}

TEST(HttpRequestBody, TrailersOverHeaderLimitAre431) {
  RequestLimits limits;
  limits.max_header_bytes = 64;
  std::string input = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ";
  input.append(64, 'a');
  ExpectError(input, 431, limits);
  limits.max_headers = 1;
  ExpectError("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\n\r\n", 431,
              limits);
}

TEST(HttpRequestBody, UnsupportedTransferCodingIs501) {
  ExpectError("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);
  ExpectError("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
              501);
}

TEST(HttpRequestBody, TransferEncodingThatCannotDelimitTheBodyIs400) {
  for (std::string_view value :
       {"gzip", "chunked, gzip", "chunked, chunked", "", " , ", "chunked;q=1"}) {
    ExpectError("POST / HTTP/1.1\r\nTransfer-Encoding: " + std::string(value) + "\r\n\r\n", 400);
  }
  ExpectError("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
}

TEST(HttpRequestBody, PipelinedRequestsAreParsedOneAtATime) {
  std::string stream =
      "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz" +
      std::string(kChunked) + "GET /d HTTP/1.0\r\n\r\n";
  std::vector<std::string> targets;
  std::vector<std::string> bodies;
  std::string_view rest = stream;
  while (!rest.empty()) {
    ParseResult result = Parse(rest);
    ASSERT_EQ(result.kind, Kind::kRequest) << result.error.message;
    ASSERT_GT(result.consumed, 0u);
    targets.push_back(result.request.target);
    bodies.push_back(result.request.body);
    rest.remove_prefix(result.consumed);
  }
  EXPECT_EQ(targets, (std::vector<std::string>{"/a", "/b", "/p", "/d"}));
  EXPECT_EQ(bodies, (std::vector<std::string>{"", "xyz", "Wikipedia in\r\n\r\nchunks.", ""}));
}

TEST(HttpRequestBody, ByteAtATimeNeedsMoreUntilCompleteThenMatchesWhole) {
  for (std::string_view input : {
           std::string_view("GET /x?y=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
           std::string_view("\r\nGET / HTTP/1.0\nX: 1\n\n"),
           std::string_view("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"),
           kChunked,
           std::string_view("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n"),
       }) {
    ExpectByteAtATimeMatchesWhole(input);
  }
}

TEST(HttpRequestBody, ByteAtATimeGivesTheSameErrorAsWhole) {
  RequestLimits limits;
  limits.max_target_bytes = 8;
  limits.max_header_bytes = 64;
  limits.max_body_bytes = 8;
  for (std::string_view input : {
           "GET /a HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n",
           "GET /123456789 HTTP/1.1\r\n\r\n",
           "GET / HTTP/2.0\r\n\r\n",
           "GET / HTTP/1.1\r\nX: "
           "0123456789012345678901234567890123456789012345678901234567\r\n\r\n",
           "POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n123456789",
           "POST / HTTP/1.1\r\nTransfer-Encoding: "
           "chunked\r\n\r\n5\r\n12345\r\n4\r\n1234\r\n0\r\n\r\n",
           "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n12345\r\n0\r\n\r\n",
       }) {
    ASSERT_EQ(Parse(input, limits).kind, Kind::kError) << input;
    ExpectByteAtATimeMatchesWhole(input, limits);
  }
}

TEST(HttpRequestBody, ChunkedBodySplitAcrossFeedsMatchesWhole) {
  // The connection keeps unparsed bytes and appends each read; split at every point, mid-CRLF too.
  ParseResult whole = Parse(kChunked);
  ASSERT_EQ(whole.kind, Kind::kRequest);
  for (size_t split = 0; split < kChunked.size(); ++split) {
    std::string buffer(kChunked.substr(0, split));
    ASSERT_EQ(Parse(buffer).kind, Kind::kNeedMore) << split;
    buffer.append(kChunked.substr(split));
    ExpectSameResult(Parse(buffer), whole);
  }
}

}  // namespace
}  // namespace herald::proto::http
