#include <gtest/gtest.h>

#include <string>

#include "proto/json/writer.h"

namespace herald::proto::json {
namespace {

std::string Quoted(std::string_view text) {
  std::string out;
  AppendString(out, text);
  return out;
}

std::string Base64(std::string_view bytes) {
  std::string out;
  AppendBase64(out, bytes);
  return out;
}

TEST(JsonAppendString, QuotesPlainText) { EXPECT_EQ(Quoted("hello"), R"("hello")"); }

TEST(JsonAppendString, EmptyStringIsTwoQuotes) { EXPECT_EQ(Quoted(""), R"("")"); }

TEST(JsonAppendString, AppendsToExistingOutput) {
  std::string out = "{\"k\":";
  AppendString(out, "v");
  EXPECT_EQ(out, R"({"k":"v")");
}

TEST(JsonAppendString, EscapesQuoteAndBackslash) {
  EXPECT_EQ(Quoted(R"(say "hi" \ bye)"), R"("say \"hi\" \\ bye")");
}

TEST(JsonAppendString, EscapesShortFormControlCharacters) {
  EXPECT_EQ(Quoted("a\nb\rc\td\be\ff"), R"("a\nb\rc\td\be\ff")");
}

TEST(JsonAppendString, EscapesOtherControlCharactersAsUnicode) {
  EXPECT_EQ(Quoted(std::string("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(Quoted("\x0b"), R"("\u000b")");
}

TEST(JsonAppendString, PassesDelSlashAndUtf8Through) {
  EXPECT_EQ(Quoted("\x7f"), "\"\x7f\"");
  EXPECT_EQ(Quoted("a/b</script>"), R"("a/b</script>")");
  EXPECT_EQ(Quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

TEST(JsonAppendString, EscapesAtStartAndEnd) {
  EXPECT_EQ(Quoted("\"x\""), R"("\"x\"")");
  EXPECT_EQ(Quoted("\n"), R"("\n")");
}

// RFC 4648 10 test vectors.
TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"Zg==", "f"},
      {"Zm8=", "fo"},
      {"Zm9v", "foo"},
      {"Zm9vYg==", "foob"},
      {"Zm9vYmE=", "fooba"},
      {"Zm9vYmFy", "foobar"},
  };
  for (const auto& [encoded, decoded] : vectors) {
    std::string out = "stale";
    EXPECT_TRUE(DecodeBase64(encoded, out)) << encoded;
    EXPECT_EQ(out, decoded) << encoded;
  }
}

TEST(Base64, DecodesWithoutPadding) {
  std::string out;
  EXPECT_TRUE(DecodeBase64("Zg", out));
  EXPECT_EQ(out, "f");
  EXPECT_TRUE(DecodeBase64("Zm9vYmE", out));
  EXPECT_EQ(out, "fooba");
}

TEST(Base64, RoundTripsEveryByteValue) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); n += 37) {
    std::string bytes = all.substr(0, n);
    std::string decoded;
    ASSERT_TRUE(DecodeBase64(Base64(bytes), decoded)) << n;
    EXPECT_EQ(decoded, bytes);
  }
  EXPECT_EQ(Base64("\xfb\xff"), "+/8=");
}

TEST(Base64, RefusesMalformedInput) {
  const char* malformed[] = {
      "Z",      // a lone final character carries fewer than 8 bits
      "Zm9vY",  // same after a whole group
      "Zg=",    // partial padding
      "Zg===",  // too much padding
      "=",        "==",    "====",
      "Zm=v",      // '=' inside a group
      "Zg==Zg==",  // padding before the end
      "Zm9v\n",    // whitespace
      " Zm9v",    "Zm 9v",
      "Zm9v-_",    // URL-safe alphabet
      "Zm9v*A==",  // outside any alphabet
      "Zh==",      // non-zero pad bits ('h' leaves 0b0001 over)
      "Zm9=",      // non-zero pad bits in a 2-byte tail
  };
  for (const char* text : malformed) {
    std::string out = "stale";
    EXPECT_FALSE(DecodeBase64(text, out)) << '"' << text << '"';
    EXPECT_TRUE(out.empty()) << text;
  }
}

TEST(Base64, RefusesNonAsciiBytes) {
  std::string out;
  EXPECT_FALSE(DecodeBase64("Zm9v\xc3\xa9", out));
  EXPECT_FALSE(DecodeBase64(std::string("Zm\0v", 4), out));
}

TEST(JsonWriter, StringArrayEscapesEachItem) {
  std::string out;
  AppendStringArray(out, {"a/#", "q\"x"});
  EXPECT_EQ(out, R"(["a/#","q\"x"])");
  out.clear();
  AppendStringArray(out, {});
  EXPECT_EQ(out, "[]");
}

}  // namespace
}  // namespace herald::proto::json
