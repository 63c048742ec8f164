#include "proto/json/client_message.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace herald::proto::json {
namespace {

using Type = ClientMessage::Type;
using Strings = std::vector<std::string>;

// Parses `text`, failing the test when it is refused.
ClientMessage Parse(std::string_view text) {
  auto result = ParseClientMessage(text);
  EXPECT_TRUE(result.ok()) << text << ": " << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value() : ClientMessage{};
}

// "<code>: <message>" of the error for `text`, or "ok".
std::string ErrorOf(std::string_view text) {
  auto result = ParseClientMessage(text);
  if (result.ok()) return "ok";
  return result.error().code + ": " + result.error().message;
}

TEST(ParseClientMessage, SubscribeWithSince) {
  auto m = Parse(R"({"type":"subscribe","topics":["scores/#"],"since":"abc:5"})");
  EXPECT_EQ(m.type, Type::kSubscribe);
  EXPECT_EQ(m.topics, Strings{"scores/#"});
  EXPECT_EQ(m.since, "abc:5");
}

TEST(ParseClientMessage, SubscribeWithoutSinceLeavesItUnset) {
  auto m = Parse(R"({"type":"subscribe","topics":["a","b/+"]})");
  EXPECT_EQ(m.type, Type::kSubscribe);
  EXPECT_EQ(m.topics, (Strings{"a", "b/+"}));
  EXPECT_EQ(m.since, std::nullopt);
}

TEST(ParseClientMessage, ReturnsTopicsAsSentWithEscapesDecoded) {
  // Validation is the session's job; the parser only decodes JSON.
  auto m = Parse(R"({"type":"subscribe","topics":["caf\u00e9/1","a//b",""]})");
  EXPECT_EQ(m.topics, (Strings{"caf\xc3\xa9/1", "a//b", ""}));
}

TEST(ParseClientMessage, Unsubscribe) {
  auto m = Parse(R"({"type":"unsubscribe","topics":["scores/#"]})");
  EXPECT_EQ(m.type, Type::kUnsubscribe);
  EXPECT_EQ(m.topics, Strings{"scores/#"});
  EXPECT_EQ(m.since, std::nullopt);
}

TEST(ParseClientMessage, UnsubscribeIgnoresSince) {
  auto m = Parse(R"({"type":"unsubscribe","topics":["a"],"since":5})");
  EXPECT_EQ(m.type, Type::kUnsubscribe);
  EXPECT_EQ(m.since, std::nullopt);
}

TEST(ParseClientMessage, PublishStringDataPublishesItsText) {
  auto m = Parse(R"({"type":"publish","topic":"chat/1","data":"hi \"you\"\n"})");
  EXPECT_EQ(m.type, Type::kPublish);
  EXPECT_EQ(m.topic, "chat/1");
  EXPECT_EQ(m.payload, "hi \"you\"\n");
  EXPECT_FALSE(m.retain.has_value());
  EXPECT_EQ(m.ref, std::nullopt);
  EXPECT_EQ(m.client_id, std::nullopt);
}

TEST(ParseClientMessage, PublishObjectDataPublishesCompactJson) {
  auto m = Parse(
      R"({"type":"publish","topic":"s/1","data":{ "home" : 101, "away" : [99, null, true] }})");
  EXPECT_EQ(m.payload, R"({"home":101,"away":[99,null,true]})");
}

TEST(ParseClientMessage, PublishNumberDataPublishesItsJsonText) {
  EXPECT_EQ(Parse(R"({"type":"publish","topic":"n","data":42})").payload, "42");
  EXPECT_EQ(Parse(R"({"type":"publish","topic":"n","data":-1.5})").payload, "-1.5");
}

TEST(ParseClientMessage, PublishNullAndBooleanData) {
  EXPECT_EQ(Parse(R"({"type":"publish","topic":"n","data":null})").payload, "null");
  EXPECT_EQ(Parse(R"({"type":"publish","topic":"n","data":false})").payload, "false");
}

TEST(ParseClientMessage, PublishEmptyStringIsADelete) {
  EXPECT_EQ(Parse(R"({"type":"publish","topic":"n","data":""})").payload, "");
}

TEST(ParseClientMessage, PublishRetainFalseMarksItTransient) {
  auto m = Parse(R"({"type":"publish","topic":"typing/7","data":"on","retain":false})");
  EXPECT_EQ(m.retain, std::optional<bool>(false));
  EXPECT_EQ(Parse(R"({"type":"publish","topic":"t","data":1,"retain":true})").retain,
            std::optional<bool>(true));
}

TEST(ParseClientMessage, PublishWithRefAndClientId) {
  auto m =
      Parse(R"({"type":"publish","topic":"o/1","data":{"q":2},"ref":"r-17","client_id":"c1"})");
  EXPECT_EQ(m.ref, "r-17");
  EXPECT_EQ(m.client_id, "c1");
  EXPECT_EQ(m.payload, R"({"q":2})");
}

TEST(ParseClientMessage, AckWithClientId) {
  auto m = Parse(R"({"type":"ack","id":"abc:5","client_id":"phone-1"})");
  EXPECT_EQ(m.type, Type::kAck);
  EXPECT_EQ(m.id, "abc:5");
  EXPECT_EQ(m.client_id, "phone-1");
}

TEST(ParseClientMessage, AckWithoutClientId) {
  auto m = Parse(R"({"type":"ack","id":"abc:5"})");
  EXPECT_EQ(m.id, "abc:5");
  EXPECT_EQ(m.client_id, std::nullopt);
}

TEST(ParseClientMessage, IgnoresUnknownFieldsAndFieldOrder) {
  auto m = Parse(R"({"since":"e:1","extra":[1,{}],"topics":["a"],"type":"subscribe"})");
  EXPECT_EQ(m.topics, Strings{"a"});
  EXPECT_EQ(m.since, "e:1");
}

TEST(ParseClientMessage, AcceptsSurroundingWhitespace) {
  EXPECT_EQ(Parse(" \n{\"type\":\"ack\",\"id\":\"e:1\"}\r\n ").id, "e:1");
}

TEST(ParseClientMessage, RefusesInvalidJson) {
  EXPECT_EQ(ErrorOf(""), "bad_json: message is not valid JSON");
  EXPECT_EQ(ErrorOf(R"({"type":"subscribe","topics":["a")"), "bad_json: message is not valid JSON");
  EXPECT_EQ(ErrorOf(R"({"type":"ack",})"), "bad_json: message is not valid JSON");
  EXPECT_EQ(ErrorOf(R"({"type":"ack","id":"e:1"} {})"), "bad_json: message is not valid JSON");
  EXPECT_EQ(ErrorOf("{\"type\":\"ack\",\"id\":\"\xff\"}"), "bad_json: message is not valid JSON");
}

TEST(ParseClientMessage, RefusesNonObjectJson) {
  EXPECT_EQ(ErrorOf(R"(["type","ack"])"), "bad_json: message must be a JSON object");
  EXPECT_EQ(ErrorOf(R"("subscribe")"), "bad_json: message must be a JSON object");
  EXPECT_EQ(ErrorOf("null"), "bad_json: message must be a JSON object");
}

TEST(ParseClientMessage, RefusesMissingOrNonStringType) {
  EXPECT_EQ(ErrorOf("{}"), "bad_message: \"type\" is required and must be a string");
  EXPECT_EQ(ErrorOf(R"({"type":1})"), "bad_message: \"type\" is required and must be a string");
}

TEST(ParseClientMessage, RefusesUnknownType) {
  EXPECT_EQ(ErrorOf(R"({"type":"hello"})"), "unknown_type: unknown message type \"hello\"");
  EXPECT_EQ(ErrorOf(R"({"type":"Subscribe","topics":["a"]})"),
            "unknown_type: unknown message type \"Subscribe\"");
}

TEST(ParseClientMessage, RefusesBadTopicsList) {
  const std::string not_list = "bad_message: \"topics\" must be an array of strings";
  EXPECT_EQ(ErrorOf(R"({"type":"subscribe"})"), not_list);
  EXPECT_EQ(ErrorOf(R"({"type":"subscribe","topics":"a"})"), not_list);
  EXPECT_EQ(ErrorOf(R"({"type":"unsubscribe","topics":["a",1]})"), not_list);
  EXPECT_EQ(ErrorOf(R"({"type":"subscribe","topics":[]})"), "bad_message: \"topics\" is empty");
}

TEST(ParseClientMessage, RefusesNonStringSince) {
  EXPECT_EQ(ErrorOf(R"({"type":"subscribe","topics":["a"],"since":5})"),
            "bad_message: \"since\" must be a string");
}

TEST(ParseClientMessage, RefusesPublishWithoutTopicOrData) {
  EXPECT_EQ(ErrorOf(R"({"type":"publish","data":1})"), "bad_message: \"topic\" is required");
  EXPECT_EQ(ErrorOf(R"({"type":"publish","topic":7,"data":1})"),
            "bad_message: \"topic\" must be a string");
  EXPECT_EQ(ErrorOf(R"({"type":"publish","topic":"a"})"), "bad_message: \"data\" is required");
}

TEST(ParseClientMessage, RefusesPublishWithWrongFieldTypes) {
  EXPECT_EQ(ErrorOf(R"({"type":"publish","topic":"a","data":1,"retain":"no"})"),
            "bad_message: \"retain\" must be a boolean");
  EXPECT_EQ(ErrorOf(R"({"type":"publish","topic":"a","data":1,"ref":3})"),
            "bad_message: \"ref\" must be a string");
  EXPECT_EQ(ErrorOf(R"({"type":"publish","topic":"a","data":1,"client_id":null})"),
            "bad_message: \"client_id\" must be a string");
}

TEST(ParseClientMessage, RefusesAckWithoutStringId) {
  EXPECT_EQ(ErrorOf(R"({"type":"ack"})"), "bad_message: \"id\" is required");
  EXPECT_EQ(ErrorOf(R"({"type":"ack","id":5})"), "bad_message: \"id\" must be a string");
  EXPECT_EQ(ErrorOf(R"({"type":"ack","id":"e:1","client_id":[]})"),
            "bad_message: \"client_id\" must be a string");
}

TEST(ParseClientMessage, PublishKeepsNumbersAndEscapesAsSentButForWhitespace) {
  auto parsed = ParseClientMessage(
      R"({"data": { "x" : 1e2, "big": 1.23456789012345678901, "s": "\u00e9 \"q\"" , "a":[1, {"b":null}] },)"
      R"( "type":"publish","topic":"t"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value().payload,
            R"({"x":1e2,"big":1.23456789012345678901,"s":"\u00e9 \"q\"","a":[1,{"b":null}]})");
}

TEST(ParseClientMessage, PublishDataWithNumbersBeyond64BitsKeepsThemAsWritten) {
  auto parsed = ParseClientMessage(
      R"({"type":"publish", "data": {"big": 123456789012345678901234567890, "x": [ 1e400 ]},)"
      R"( "topic":"t", "ref":"r1"})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed.value().topic, "t");
  EXPECT_EQ(parsed.value().ref, "r1");
  EXPECT_EQ(parsed.value().payload, R"({"big":123456789012345678901234567890,"x":[1e400]})");
  auto scalar = ParseClientMessage(R"({"type":"publish","topic":"t","data":-1e999})");
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar.value().payload, "-1e999");
}

TEST(ParseClientMessage, HugeNumbersOutsideDataAreRefusedAsBadMessages) {
  // Valid JSON, so not bad_json: the error names the member rule it breaks.
  const std::string refused =
      "bad_message: a number outside \"data\" is beyond 64 bits or a double; only \"data\" "
      "may carry such numbers";
  EXPECT_EQ(ErrorOf(R"({"type":"publish","topic":"t","data":1,"retain":1e400})"), refused);
  EXPECT_EQ(ErrorOf(R"({"type":"publish","topic":"t","data":1e400,"x":1e400})"), refused);
  EXPECT_EQ(ErrorOf(R"({"type":"subscribe","topics":["a"],"n":123456789012345678901234567890})"),
            refused);
  // Not JSON at all stays bad_json, huge number or not.
  EXPECT_EQ(ErrorOf(R"({"type":"publish","topic":"t","data":1e400,})"),
            "bad_json: message is not valid JSON");
  EXPECT_EQ(ErrorOf(R"({"type":"publish","topic":"t","retain":1e400)"),
            "bad_json: message is not valid JSON");
}

TEST(ParseClientMessage, PublishScalarDataAtTheEndOfTheObject) {
  auto parsed = ParseClientMessage(R"({"type":"publish","topic":"t","data":-12.50e-3})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value().payload, "-12.50e-3");
}

TEST(RefOfRefusedMessage, NamesTheRefOfAnObjectAndNothingElse) {
  EXPECT_EQ(RefOfRefusedMessage(R"({"type":"publish","topic":"a","ref":"r1"})"), "r1");
  EXPECT_EQ(RefOfRefusedMessage(R"({"type":"publish","ref":7})"), std::nullopt);
  EXPECT_EQ(RefOfRefusedMessage(R"({"type":"publish","ref":"r1",)"), std::nullopt);
  EXPECT_EQ(RefOfRefusedMessage(R"(["ref","r1"])"), std::nullopt);
}

}  // namespace
}  // namespace herald::proto::json
