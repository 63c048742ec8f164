#include <gtest/gtest.h>

#include <string>

#include "proto/sse/encoder.h"

namespace herald::proto::sse {
namespace {

TEST(SseEncodeEvent, IdAndOneDataLine) {
  EXPECT_EQ(EncodeEvent("e:1", "", R"({"a":1})"), "id: e:1\ndata: {\"a\":1}\n\n");
}

TEST(SseEncodeEvent, EventNameComesBeforeId) {
  EXPECT_EQ(EncodeEvent("abc:5", "state", "x"), "event: state\nid: abc:5\ndata: x\n\n");
}

TEST(SseEncodeEvent, WithoutIdOrNameOnlyData) {
  EXPECT_EQ(EncodeEvent("", "", "x"), "data: x\n\n");
  EXPECT_EQ(EncodeEvent("", "reset", "x"), "event: reset\ndata: x\n\n");
}

TEST(SseEncodeEvent, EmptyDataIsOneEmptyDataLine) {
  EXPECT_EQ(EncodeEvent("e:1", "", ""), "id: e:1\ndata: \n\n");
}

TEST(SseEncodeEvent, EachLineOfDataGetsItsOwnField) {
  EXPECT_EQ(EncodeEvent("", "", "a\nb\nc"), "data: a\ndata: b\ndata: c\n\n");
}

TEST(SseEncodeEvent, CrLfAndLoneCrEndLinesToo) {
  EXPECT_EQ(EncodeEvent("", "", "a\r\nb"), "data: a\ndata: b\n\n");
  EXPECT_EQ(EncodeEvent("", "", "a\rb"), "data: a\ndata: b\n\n");
  EXPECT_EQ(EncodeEvent("", "", "a\r\rb"), "data: a\ndata: \ndata: b\n\n");
  EXPECT_EQ(EncodeEvent("", "", "a\n\rb"), "data: a\ndata: \ndata: b\n\n");
}

TEST(SseEncodeEvent, EmptyLinesAreKept) {
  EXPECT_EQ(EncodeEvent("", "", "a\n\nb"), "data: a\ndata: \ndata: b\n\n");
  EXPECT_EQ(EncodeEvent("", "", "a\n"), "data: a\ndata: \n\n");
  EXPECT_EQ(EncodeEvent("", "", "\n"), "data: \ndata: \n\n");
  EXPECT_EQ(EncodeEvent("", "", "\r\n"), "data: \ndata: \n\n");
  EXPECT_EQ(EncodeEvent("", "", "a\r"), "data: a\ndata: \n\n");
}

TEST(SseEncodeEvent, LeadingSpaceOfDataSurvivesTheFieldSpace) {
  // The browser strips exactly one space after "data:".
  EXPECT_EQ(EncodeEvent("", "", " x"), "data:  x\n\n");
}

TEST(SseEncodeEvent, ColonsAndUtf8PassThrough) {
  EXPECT_EQ(EncodeEvent("e:2", "", "k: v \xc3\xa9"), "id: e:2\ndata: k: v \xc3\xa9\n\n");
}

TEST(SseEncodeComment, IsAColonLineAndABlankLine) {
  EXPECT_EQ(EncodeComment("hb"), ": hb\n\n");
  EXPECT_EQ(EncodeComment(""), ": \n\n");
}

TEST(SseEncodeRetry, IsRetryFieldInMilliseconds) {
  EXPECT_EQ(EncodeRetry(3000), "retry: 3000\n\n");
  EXPECT_EQ(EncodeRetry(0), "retry: 0\n\n");
}

}  // namespace
}  // namespace herald::proto::sse
