#include <gtest/gtest.h>

#include <string>

#include "proto/http/request.h"
#include "proto/http/response.h"

namespace herald::proto::http {
namespace {

TEST(HttpResponse, SerializeWritesExactBytes) {
  Response response{200, {{"Content-Type", "text/plain"}, {"ETag", "\"e1\""}}, "hi"};
  EXPECT_EQ(SerializeResponse(response, /*keep_alive=*/true),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain\r\n"
            "ETag: \"e1\"\r\n"
            "Content-Length: 2\r\n"
            "\r\n"
            "hi");
}

TEST(HttpResponse, ClosingAddsConnectionClose) {
  Response response{404, {}, "no"};
  EXPECT_EQ(SerializeResponse(response, /*keep_alive=*/false),
            "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno");
}

TEST(HttpResponse, HeadOnlyKeepsContentLengthAndDropsBody) {
  Response response{200, {}, "hello"};
  EXPECT_EQ(SerializeResponse(response, true, /*head_only=*/true),
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
}

TEST(HttpResponse, EmptyBodyHasContentLengthZero) {
  EXPECT_EQ(SerializeResponse(Response{201, {}, ""}, true),
            "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
}

TEST(HttpResponse, HandlerFramingHeadersAreReplaced) {
  Response response{200, {{"content-length", "99"}, {"Connection", "keep-alive"}}, "abc"};
  EXPECT_EQ(SerializeResponse(response, false),
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
  EXPECT_EQ(SerializeResponse(response, true),
            "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc");
}

TEST(HttpResponse, NoContentStatusesHaveNeitherContentLengthNorBody) {
  Response not_modified{304, {{"ETag", "\"e1\""}}, "ignored"};
  EXPECT_EQ(SerializeResponse(not_modified, true),
            "HTTP/1.1 304 Not Modified\r\nETag: \"e1\"\r\n\r\n");
  EXPECT_EQ(SerializeResponse(Response{204, {}, ""}, false),
            "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
}

TEST(HttpResponse, LineBreaksInHeadersCannotSplitTheResponse) {
  Response response{200, {{"X-Topic", "a\r\nSet-Cookie: x=1"}, {"X\nY", "v"}}, ""};
  EXPECT_EQ(
      SerializeResponse(response, true),
      "HTTP/1.1 200 OK\r\nX-Topic: a  Set-Cookie: x=1\r\nX Y: v\r\nContent-Length: 0\r\n\r\n");
}

TEST(HttpResponse, SerializeHeadWritesStatusLineAndHeadersOnly) {
  EXPECT_EQ(
      SerializeHead(200, {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}}),
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n");
  EXPECT_EQ(
      SerializeHead(101, {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}}),
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
}

TEST(HttpResponse, EveryParserErrorStatusHasAReasonPhrase) {
  EXPECT_EQ(ReasonPhrase(400), "Bad Request");
  EXPECT_EQ(ReasonPhrase(413), "Content Too Large");
  EXPECT_EQ(ReasonPhrase(414), "URI Too Long");
  EXPECT_EQ(ReasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(ReasonPhrase(501), "Not Implemented");
  EXPECT_EQ(ReasonPhrase(505), "HTTP Version Not Supported");
  EXPECT_EQ(ReasonPhrase(599), "Unknown");
  EXPECT_EQ(ReasonPhrase(0), "Unknown");
}

TEST(HttpResponse, UnknownStatusStillSerializes) {
  EXPECT_EQ(SerializeResponse(Response{299, {}, ""}, true),
            "HTTP/1.1 299 Unknown\r\nContent-Length: 0\r\n\r\n");
}

TEST(HttpResponse, SerializedHeadParsesBackAsTheSameFields) {
  // No response parser exists; a response head has the request head's field syntax, so turn
  // the status line into a request line and read the fields back.
  Response response{200, {{"Content-Type", "application/json"}, {"X-Seq", " 42 "}}, "{}"};
  std::string wire = SerializeResponse(response, false);
  std::string as_request = "GET / HTTP/1.1" + wire.substr(wire.find("\r\n"));
  ParseResult parsed = ParseRequest(as_request, RequestLimits{});
  ASSERT_EQ(parsed.kind, ParseResult::Kind::kRequest) << parsed.error.message;
  EXPECT_EQ(parsed.request.body, "{}");
  EXPECT_EQ(parsed.consumed, as_request.size());
  EXPECT_EQ(*parsed.request.Find("content-type"), "application/json");
  EXPECT_EQ(*parsed.request.Find("x-seq"), "42");
  EXPECT_FALSE(parsed.request.keep_alive);
}

}  // namespace
}  // namespace herald::proto::http
