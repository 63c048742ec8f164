#include "proto/json/envelope.h"

#include <gtest/gtest.h>

#include <string>

#include "proto/json/payload.h"

namespace herald::proto::json {
namespace {

core::Event MakeEvent(std::string topic, std::string epoch, uint64_t seq, std::string payload) {
  core::Event event;
  event.topic = std::move(topic);
  event.epoch = std::move(epoch);
  event.seq = seq;
  event.payload = std::move(payload);
  return event;
}

TEST(EventObject, JsonPayloadIsEmbeddedAsJson) {
  EXPECT_EQ(EventObject(MakeEvent("scores/nba/1", "e", 1, R"({"home":101})")),
            R"({"topic":"scores/nba/1","id":"e:1","data":{"home":101}})");
}

TEST(EventObject, JsonPayloadIsMinified) {
  EXPECT_EQ(EventObject(MakeEvent("a", "e", 2,
                                  " {\n  \"home\" : 101,\r\n\t\"list\": [ 1 , \"x y\" ]\n}\n")),
            R"({"topic":"a","id":"e:2","data":{"home":101,"list":[1,"x y"]}})");
}

TEST(EventObject, JsonNumbersKeepTheirPublishedText) {
  EXPECT_EQ(EventObject(MakeEvent("a", "e", 3, R"({"n": 1e2, "pi": 3.14159265358979323846})")),
            R"({"topic":"a","id":"e:3","data":{"n":1e2,"pi":3.14159265358979323846}})");
}

TEST(EventObject, JsonScalarPayloadsAreEmbeddedAsJson) {
  EXPECT_EQ(EventObject(MakeEvent("a", "e", 1, "42")), R"({"topic":"a","id":"e:1","data":42})");
  EXPECT_EQ(EventObject(MakeEvent("a", "e", 1, "true")), R"({"topic":"a","id":"e:1","data":true})");
  EXPECT_EQ(EventObject(MakeEvent("a", "e", 1, R"("quoted")")),
            R"({"topic":"a","id":"e:1","data":"quoted"})");
  EXPECT_EQ(EventObject(MakeEvent("a", "e", 1, "null")), R"({"topic":"a","id":"e:1","data":null})");
}

TEST(EventObject, TextPayloadBecomesAJsonString) {
  EXPECT_EQ(EventObject(MakeEvent("chat/1", "e", 4, "hello world")),
            R"({"topic":"chat/1","id":"e:4","data":"hello world"})");
}

TEST(EventObject, TextPayloadIsEscaped) {
  EXPECT_EQ(EventObject(MakeEvent("a", "e", 5, "say \"hi\"\\\n\t\x01/")),
            R"({"topic":"a","id":"e:5","data":"say \"hi\"\\\n\t\u0001/"})");
}

TEST(EventObject, MultiByteTextPassesThroughUnescaped) {
  EXPECT_EQ(
      EventObject(MakeEvent("caf\xc3\xa9", "e", 6, "\xf0\x9f\x8f\x80 \xe2\x80\xa8")),
      "{\"topic\":\"caf\xc3\xa9\",\"id\":\"e:6\",\"data\":\"\xf0\x9f\x8f\x80 \xe2\x80\xa8\"}");
}

TEST(EventObject, AlmostJsonIsText) {
  EXPECT_EQ(EventObject(MakeEvent("a", "e", 7, R"({"a":1}{})")),
            R"({"topic":"a","id":"e:7","data":"{\"a\":1}{}"})");
  EXPECT_EQ(EventObject(MakeEvent("a", "e", 7, "nul")), R"({"topic":"a","id":"e:7","data":"nul"})");
  EXPECT_EQ(EventObject(MakeEvent("a", "e", 7, "   ")), R"({"topic":"a","id":"e:7","data":"   "})");
}

TEST(EventObject, NonUtf8PayloadIsBase64) {
  EXPECT_EQ(EventObject(MakeEvent("bin", "e", 8, std::string("\xff\xfe\x00", 3))),
            R"({"topic":"bin","id":"e:8","data_b64":"//4A"})");
  EXPECT_EQ(EventObject(MakeEvent("bin", "e", 8, "\x80")),
            R"({"topic":"bin","id":"e:8","data_b64":"gA=="})");
  EXPECT_EQ(EventObject(MakeEvent("bin", "e", 8, "ok\xc3")),
            R"({"topic":"bin","id":"e:8","data_b64":"b2vD"})");
}

TEST(EventObject, EmptyPayloadIsNull) {
  EXPECT_EQ(EventObject(MakeEvent("gone", "e", 9, "")),
            R"({"topic":"gone","id":"e:9","data":null})");
}

TEST(EventObject, TopicIsEscaped) {
  EXPECT_EQ(EventObject(MakeEvent("a\"b\\c", "e", 1, "1")),
            R"({"topic":"a\"b\\c","id":"e:1","data":1})");
}

TEST(EventObject, IdIsEpochColonDecimalSeq) {
  EXPECT_EQ(EventObject(MakeEvent("a", "Ep_och-9", 18446744073709551615ull, "1")),
            R"({"topic":"a","id":"Ep_och-9:18446744073709551615","data":1})");
}

TEST(AppendEventObject, AppendsToWhatIsThere) {
  std::string out = "[";
  AppendEventObject(out, MakeEvent("a", "e", 1, "1"));
  out += ",";
  AppendEventObject(out, MakeEvent("b", "e", 2, ""));
  out += "]";
  EXPECT_EQ(out, R"([{"topic":"a","id":"e:1","data":1},{"topic":"b","id":"e:2","data":null}])");
}

TEST(WsEventMessage, IsTheEventObjectWithTypeFirst) {
  EXPECT_EQ(WsEventMessage(MakeEvent("scores/nba/1", "abc", 5, R"({ "home": 101 })")),
            R"({"type":"event","topic":"scores/nba/1","id":"abc:5","data":{"home":101}})");
  EXPECT_EQ(WsEventMessage(MakeEvent("bin", "abc", 6, "\xff")),
            R"({"type":"event","topic":"bin","id":"abc:6","data_b64":"/w=="})");
}

TEST(EventObject, OutputIsAlwaysJson) {
  for (const std::string& payload :
       {std::string(""), std::string("{\"a\":[1,2]}"), std::string("text \"q\""),
        std::string("\x00\x01", 2), std::string("\xff"), std::string("\xed\xa0\x80")}) {
    EXPECT_TRUE(IsJson(EventObject(MakeEvent("a", "e", 1, payload)))) << payload;
  }
}

TEST(EventObject, NumbersBeyond64BitsOrADoubleStayJsonNumbersAsPublished) {
  EXPECT_EQ(
      EventObject(MakeEvent("a", "e", 4, R"({"id": 123456789012345678901234567890, "x": 1e400})")),
      R"({"topic":"a","id":"e:4","data":{"id":123456789012345678901234567890,"x":1e400}})");
  EXPECT_EQ(EventObject(MakeEvent("a", "e", 5, "18446744073709551616")),
            R"({"topic":"a","id":"e:5","data":18446744073709551616})");
}

TEST(IsJson, AcceptsOneJsonValue) {
  EXPECT_TRUE(IsJson("{}"));
  EXPECT_TRUE(IsJson(" [1, \"a\", null] "));
  EXPECT_TRUE(IsJson("-0.5e3"));
  EXPECT_TRUE(IsJson("\"\xc3\xa9\""));
}

TEST(IsJson, RefusesEmptyPartialTrailingAndNonUtf8) {
  EXPECT_FALSE(IsJson(""));
  EXPECT_FALSE(IsJson(" "));
  EXPECT_FALSE(IsJson("{"));
  EXPECT_FALSE(IsJson("1 2"));
  EXPECT_FALSE(IsJson("{'a':1}"));
  EXPECT_FALSE(IsJson("\"\xff\""));
  EXPECT_FALSE(IsJson("\"a\nb\""));  // a raw control character inside a string
  EXPECT_FALSE(IsJson("[1e400"));    // a huge number does not excuse the rest
  EXPECT_FALSE(IsJson("[123456789012345678901234567890,]"));
}

}  // namespace
}  // namespace herald::proto::json
