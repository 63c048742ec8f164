// IsJsonText: the JSON grammar without simdjson's number limits, and the same verdict as
// simdjson on everything else.
#include "proto/json/json_text.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace herald::proto::json {
namespace {

bool SimdjsonAccepts(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  return parser.parse(text).get(root) == simdjson::SUCCESS;
}

TEST(IsJsonText, AcceptsNumbersOfAnySize) {
  EXPECT_TRUE(IsJsonText("123456789012345678901234567890"));
  EXPECT_TRUE(IsJsonText("-18446744073709551616"));
  EXPECT_TRUE(IsJsonText("1e400"));
  EXPECT_TRUE(IsJsonText("-1.5E-99999"));
  EXPECT_TRUE(
      IsJsonText(R"({"price": 99999999999999999999999999.000000000000000000001, "q": [1e400]})"));
  EXPECT_TRUE(IsJsonText("0." + std::string(5000, '7')));
}

TEST(IsJsonText, RefusesWhatTheNumberGrammarRefuses) {
  for (std::string text : {"01", "-", "+1", "1.", ".5", "1e", "1e+", "0x10", "1.5.2", "--1", "- 1",
                           "NaN", "Infinity", "1_000"}) {
    EXPECT_FALSE(IsJsonText(text)) << text;
  }
}

// The verdicts that matter most: whatever simdjson can represent, both must judge alike.
TEST(IsJsonText, AgreesWithSimdjsonOnTextWithoutHugeNumbers) {
  std::vector<std::string> cases = {
      "{}",
      "[]",
      " {\"a\" : [1, -2.5e3, true, false, null, \"x\"]} ",
      "\"\"",
      "0",
      "-0",
      "true",
      "null",
      "{\"a\":{\"b\":{\"c\":[[]]}}}",
      "\"\\u00e9\\n\\t\\\\\\/\\\"\"",
      "\"\\ud83d\\ude00\"",
      "\"\xc3\xa9\"",
      // refused
      "",
      " ",
      "{",
      "}",
      "[1,]",
      "[,1]",
      "{\"a\"}",
      "{\"a\":}",
      "{\"a\":1,}",
      "{a:1}",
      "{'a':1}",
      "[1 2]",
      "1 2",
      "tru",
      "truex",
      "nul",
      "\"abc",
      "\"\\x\"",
      "\"\\u12\"",
      "\"\\u12G4\"",
      "\"a\nb\"",
      "\"\x01\"",
      "[1]]",
      "[[1]",
      "{\"a\":1}}",
      "\"\xff\"",
      "\"\xed\xa0\x80\"",
      "\"\\ud83d\"",
      "\"\\ude00\"",
      "\"\\ud83dx\"",
      "\"\\ud83d\\u0041\"",
      "[\"a\",\"b\"",
      "{,}",
      "{\"a\":1 \"b\":2}",
      "\t\r\n[\n]\r\n\t",
      "[1]\x00",
      "\x00",
  };
  for (const std::string& text : cases) {
    EXPECT_EQ(IsJsonText(text), SimdjsonAccepts(text)) << ::testing::PrintToString(text);
  }
}

TEST(IsJsonText, NestingIsLimitedAsSimdjsonLimitsIt) {
  auto nested = [](size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_TRUE(IsJsonText(nested(kMaxJsonDepth)));
  EXPECT_EQ(IsJsonText(nested(kMaxJsonDepth)), SimdjsonAccepts(nested(kMaxJsonDepth)));
  EXPECT_FALSE(IsJsonText(nested(kMaxJsonDepth + 1)));
  EXPECT_EQ(IsJsonText(nested(kMaxJsonDepth + 1)), SimdjsonAccepts(nested(kMaxJsonDepth + 1)));
  // Deep hostile input costs no call stack: a million open brackets is refused, not a crash.
  EXPECT_FALSE(IsJsonText(std::string(1'000'000, '[')));
  EXPECT_FALSE(IsJsonText(std::string(1'000'000, '{')));
}

}  // namespace
}  // namespace herald::proto::json
