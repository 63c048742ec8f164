#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "proto/ws/codec.h"

namespace herald::proto::ws {
namespace {

using Kind = Message::Kind;

constexpr uint32_t kRfcMaskKey = 0x37fa213d;  // the masking key of the RFC 6455 5.7 examples
constexpr uint32_t kMaskKey = 0xa1b2c3d4;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out += static_cast<char>(b);
  return out;
}

// What a stream decodes to: the messages in order, then the error if one stopped it, and how
// many bytes were left undecoded.
struct Outcome {
  std::vector<Message> messages;
  std::optional<DecodeResult> error;
  size_t leftover = 0;
};

// Decodes `stream` as the caller in a session would: honours `consumed`, stops at kError or at
// kNeedMore that consumed nothing.
Outcome DecodeAll(Decoder& decoder, std::string_view stream) {
  Outcome outcome;
  while (true) {
    Message message;
    DecodeResult result = decoder.Decode(stream, message);
    if (result.kind == DecodeResult::Kind::kError) {
      outcome.error = result;
      break;
    }
    EXPECT_LE(result.consumed, stream.size());
    stream.remove_prefix(result.consumed);
    if (result.kind == DecodeResult::Kind::kMessage) outcome.messages.push_back(message);
    if (result.kind == DecodeResult::Kind::kNeedMore && result.consumed == 0) break;
  }
  outcome.leftover = stream.size();
  return outcome;
}

Outcome DecodeAll(Role role, std::string_view stream, size_t max_message_bytes = 1 << 20) {
  Decoder decoder(role, DecoderLimits{max_message_bytes});
  return DecodeAll(decoder, stream);
}

// Feeds `stream` one byte per read, buffering what the decoder has not consumed.
Outcome DecodeByteAtATime(Role role, std::string_view stream) {
  Decoder decoder(role, DecoderLimits{});
  Outcome outcome;
  std::string buffer;
  for (char byte : stream) {
    buffer += byte;
    Outcome step = DecodeAll(decoder, buffer);
    for (auto& message : step.messages) outcome.messages.push_back(std::move(message));
    buffer.erase(0, buffer.size() - step.leftover);
    if (step.error) {
      outcome.error = step.error;
      break;
    }
  }
  outcome.leftover = buffer.size();
  return outcome;
}

void ExpectError(const Outcome& outcome, uint16_t close_code) {
  ASSERT_TRUE(outcome.error.has_value()) << "decoded " << outcome.messages.size() << " messages";
  EXPECT_EQ(outcome.error->close_code, close_code) << outcome.error->error;
  EXPECT_FALSE(outcome.error->error.empty());
  // RFC 6455 5.5: the reason goes into a close frame after the 2-byte code.
  EXPECT_LE(outcome.error->error.size(), 123u);
}

std::string Masked(Opcode opcode, std::string_view payload, bool fin = true) {
  return EncodeMaskedFrame(opcode, payload, kMaskKey, fin);
}

std::string ClosePayload(uint16_t code, std::string_view reason) {
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xff);
  payload.append(reason);
  return payload;
}

// --- RFC 6455 1.3 and 4: handshake keys ---------------------------------------------------------

TEST(WsHandshake, AcceptKeyMatchesRfcExample) {
  // RFC 6455 1.3.
  EXPECT_EQ(AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, ClientKeyOfSixteenBase64BytesIsValid) {
  EXPECT_TRUE(IsValidClientKey("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_TRUE(IsValidClientKey("AAAAAAAAAAAAAAAAAAAAAA=="));
  EXPECT_TRUE(IsValidClientKey("/////////////////////w=="));
}

TEST(WsHandshake, MalformedClientKeysAreRefused) {
  EXPECT_FALSE(IsValidClientKey(""));
  EXPECT_FALSE(IsValidClientKey("dGhlIHNhbXBsZSBub25jZQ"));  // unpadded
  EXPECT_FALSE(
      IsValidClientKey("dGhlIHNhbXBsZSBub25jZQ=="
                       "AAAA"));                                // 19 bytes
  EXPECT_FALSE(IsValidClientKey("dGhlIHNhbXBsZSBub25j"));       // 15 bytes
  EXPECT_FALSE(IsValidClientKey("dGhlIHNhbXBsZSBub25jZQ=\n"));  // whitespace
  EXPECT_FALSE(IsValidClientKey("dGhlIHNhbXBsZSBub25jZ*=="));   // outside the alphabet
  EXPECT_FALSE(IsValidClientKey("dGhlIHNhbXBsZSBub25jZR=="));   // non-zero pad bits
  EXPECT_FALSE(IsValidClientKey("dGhlIHNhbXBsZSBub25jZQ-_"));   // URL-safe alphabet
  EXPECT_FALSE(IsValidClientKey("the sample nonce"));
}

// --- RFC 6455 5.7: the example frames, byte for byte --------------------------------------------

const std::string kRfcUnmaskedHello = Bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
const std::string kRfcMaskedHello =
    Bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});

TEST(WsRfcExamples, SingleFrameUnmaskedTextDecodesAsServerFrame) {
  Outcome outcome = DecodeAll(Role::kClient, kRfcUnmaskedHello);
  ASSERT_FALSE(outcome.error);
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].kind, Kind::kText);
  EXPECT_EQ(outcome.messages[0].payload, "Hello");
  EXPECT_EQ(outcome.leftover, 0u);
}

TEST(WsRfcExamples, SingleFrameMaskedTextDecodesAsClientFrame) {
  Outcome outcome = DecodeAll(Role::kServer, kRfcMaskedHello);
  ASSERT_FALSE(outcome.error);
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].kind, Kind::kText);
  EXPECT_EQ(outcome.messages[0].payload, "Hello");
}

TEST(WsRfcExamples, EncodersProduceTheExampleBytes) {
  EXPECT_EQ(EncodeFrame(Opcode::kText, "Hello"), kRfcUnmaskedHello);
  EXPECT_EQ(EncodeMaskedFrame(Opcode::kText, "Hello", kRfcMaskKey), kRfcMaskedHello);
}

TEST(WsRfcExamples, FragmentedUnmaskedTextIsReassembled) {
  const std::string first = Bytes({0x01, 0x03, 0x48, 0x65, 0x6c});
  const std::string last = Bytes({0x80, 0x02, 0x6c, 0x6f});
  Decoder decoder(Role::kClient, DecoderLimits{});
  Message message;

  // The first fragment is absorbed: kNeedMore, but its bytes are consumed.
  DecodeResult result = decoder.Decode(first + last, message);
  EXPECT_EQ(result.kind, DecodeResult::Kind::kNeedMore);
  EXPECT_EQ(result.consumed, first.size());

  result = decoder.Decode(last, message);
  ASSERT_EQ(result.kind, DecodeResult::Kind::kMessage);
  EXPECT_EQ(result.consumed, last.size());
  EXPECT_EQ(message.kind, Kind::kText);
  EXPECT_EQ(message.payload, "Hello");
}

TEST(WsRfcExamples, UnmaskedPingDecodesAndEncodes) {
  const std::string ping = Bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  EXPECT_EQ(EncodeFrame(Opcode::kPing, "Hello"), ping);
  Outcome outcome = DecodeAll(Role::kClient, ping);
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].kind, Kind::kPing);
  EXPECT_EQ(outcome.messages[0].payload, "Hello");
}

TEST(WsRfcExamples, MaskedPongDecodesAndEncodes) {
  const std::string pong =
      Bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  EXPECT_EQ(EncodeMaskedFrame(Opcode::kPong, "Hello", kRfcMaskKey), pong);
  Outcome outcome = DecodeAll(Role::kServer, pong);
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].kind, Kind::kPong);
  EXPECT_EQ(outcome.messages[0].payload, "Hello");
}

TEST(WsRfcExamples, BinaryOf256BytesUses16BitLength) {
  std::string payload(256, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i);
  const std::string header = Bytes({0x82, 0x7e, 0x01, 0x00});
  EXPECT_EQ(EncodeFrameHeader(Opcode::kBinary, 256), header);
  EXPECT_EQ(EncodeFrame(Opcode::kBinary, payload), header + payload);

  Outcome outcome = DecodeAll(Role::kClient, header + payload);
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].kind, Kind::kBinary);
  EXPECT_EQ(outcome.messages[0].payload, payload);
}

TEST(WsRfcExamples, BinaryOf64KiBUses64BitLength) {
  std::string payload(65536, 'x');
  const std::string header = Bytes({0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00});
  EXPECT_EQ(EncodeFrameHeader(Opcode::kBinary, 65536), header);
  EXPECT_EQ(EncodeFrame(Opcode::kBinary, payload), header + payload);

  Outcome outcome = DecodeAll(Role::kClient, header + payload);
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].payload.size(), 65536u);
}

// --- RFC 6455 5.2: framing ---------------------------------------------------------------------

TEST(WsFraming, HeaderUsesShortestLengthForm) {
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 0), Bytes({0x81, 0}));
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 125), Bytes({0x81, 125}));
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 126), Bytes({0x81, 126, 0x00, 0x7e}));
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 65535), Bytes({0x81, 126, 0xff, 0xff}));
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 0x123456789a),
            Bytes({0x81, 127, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x9a}));
}

TEST(WsFraming, MaskedFrameCarriesMaskKeyBigEndian) {
  std::string frame = EncodeMaskedFrame(Opcode::kBinary, std::string(300, '\0'), 0x01020304);
  ASSERT_EQ(frame.size(), 4u + 4u + 300u);
  EXPECT_EQ(frame.substr(0, 8), Bytes({0x82, 0xfe, 0x01, 0x2c, 0x01, 0x02, 0x03, 0x04}));
  // Zeros masked are the key itself, repeating.
  EXPECT_EQ(frame.substr(8, 8), Bytes({1, 2, 3, 4, 1, 2, 3, 4}));
}

TEST(WsFraming, MaskedFrameWithoutFinLeavesFinClear) {
  EXPECT_EQ(static_cast<uint8_t>(Masked(Opcode::kText, "a", false)[0]), 0x01);
  EXPECT_EQ(static_cast<uint8_t>(Masked(Opcode::kContinuation, "a", true)[0]), 0x80);
}

TEST(WsFraming, ServerRefusesUnmaskedClientFrame) {
  ExpectError(DecodeAll(Role::kServer, kRfcUnmaskedHello), kCloseProtocolError);
}

TEST(WsFraming, ClientRefusesMaskedServerFrame) {
  ExpectError(DecodeAll(Role::kClient, kRfcMaskedHello), kCloseProtocolError);
}

TEST(WsFraming, MaskingIsCheckedFromTheFirstTwoBytes) {
  ExpectError(DecodeAll(Role::kServer, kRfcUnmaskedHello.substr(0, 2)), kCloseProtocolError);
}

TEST(WsFraming, ReservedBitsWithoutExtensionAreRefused) {
  for (int rsv : {0x40, 0x20, 0x10, 0x70}) {
    std::string frame = Masked(Opcode::kText, "Hello");
    frame[0] = static_cast<char>(frame[0] | rsv);
    ExpectError(DecodeAll(Role::kServer, frame), kCloseProtocolError);
  }
}

TEST(WsFraming, ReservedOpcodesAreRefused) {
  for (int opcode : {0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf}) {
    std::string frame = Masked(Opcode::kBinary, "x");
    frame[0] = static_cast<char>(0x80 | opcode);
    Outcome outcome = DecodeAll(Role::kServer, frame);
    ExpectError(outcome, kCloseProtocolError);
    EXPECT_NE(outcome.error->error.find("opcode"), std::string::npos);
  }
}

TEST(WsFraming, SixtyFourBitLengthWithTopBitSetIsRefusedFromHeader) {
  // Only the 10 header bytes: the verdict must not wait for payload that can never come.
  const std::string header = Bytes({0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0x01});
  ExpectError(DecodeAll(Role::kServer, header), kCloseProtocolError);
}

TEST(WsFraming, NonMinimalLengthEncodingsAreAccepted) {
  // "Hello" with a 16-bit and with a 64-bit length; RFC 6455 5.2 requires minimal lengths of
  // senders only, and refusing them buys nothing.
  const std::string key = Bytes({0, 0, 0, 0});
  const std::string len16 = Bytes({0x81, 0x80 | 126, 0x00, 0x05}) + key + "Hello";
  const std::string len64 = Bytes({0x81, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0x05}) + key + "Hello";
  for (const std::string& frame : {len16, len64}) {
    Outcome outcome = DecodeAll(Role::kServer, frame);
    ASSERT_FALSE(outcome.error) << outcome.error->error;
    ASSERT_EQ(outcome.messages.size(), 1u);
    EXPECT_EQ(outcome.messages[0].payload, "Hello");
  }
}

TEST(WsFraming, IncompleteFrameNeedsMoreAndConsumesNothing) {
  const std::string frame = EncodeMaskedFrame(Opcode::kBinary, std::string(300, 'z'), kMaskKey);
  Decoder decoder(Role::kServer, DecoderLimits{});
  for (size_t n = 0; n < frame.size(); ++n) {
    Message message;
    DecodeResult result = decoder.Decode(std::string_view(frame).substr(0, n), message);
    ASSERT_EQ(result.kind, DecodeResult::Kind::kNeedMore) << n;
    ASSERT_EQ(result.consumed, 0u) << n;
  }
  Message message;
  DecodeResult result = decoder.Decode(frame, message);
  ASSERT_EQ(result.kind, DecodeResult::Kind::kMessage);
  EXPECT_EQ(result.consumed, frame.size());
  EXPECT_EQ(message.payload, std::string(300, 'z'));
}

TEST(WsFraming, DecodeConsumesOneFrameAtATime) {
  const std::string first = Masked(Opcode::kText, "one");
  const std::string second = Masked(Opcode::kBinary, "two");
  Decoder decoder(Role::kServer, DecoderLimits{});
  Message message;
  DecodeResult result = decoder.Decode(first + second, message);
  ASSERT_EQ(result.kind, DecodeResult::Kind::kMessage);
  EXPECT_EQ(result.consumed, first.size());
  EXPECT_EQ(message.payload, "one");
}

TEST(WsFraming, EmptyMessagesDecode) {
  Outcome outcome =
      DecodeAll(Role::kServer, Masked(Opcode::kText, "") + Masked(Opcode::kBinary, "") +
                                   Masked(Opcode::kPing, ""));
  ASSERT_FALSE(outcome.error);
  ASSERT_EQ(outcome.messages.size(), 3u);
  EXPECT_EQ(outcome.messages[0].kind, Kind::kText);
  EXPECT_EQ(outcome.messages[1].kind, Kind::kBinary);
  EXPECT_EQ(outcome.messages[2].kind, Kind::kPing);
  for (const Message& message : outcome.messages) EXPECT_TRUE(message.payload.empty());
}

// --- RFC 6455 5.4: fragmentation ---------------------------------------------------------------

TEST(WsFragmentation, ContinuationWithoutStartedMessageIsRefused) {
  ExpectError(DecodeAll(Role::kServer, Masked(Opcode::kContinuation, "lo")), kCloseProtocolError);
  ExpectError(DecodeAll(Role::kServer, Masked(Opcode::kContinuation, "lo", false)),
              kCloseProtocolError);
}

TEST(WsFragmentation, ContinuationAfterFinishedMessageIsRefused) {
  Outcome outcome = DecodeAll(Role::kServer, Masked(Opcode::kText, "Hel", false) +
                                                 Masked(Opcode::kContinuation, "lo") +
                                                 Masked(Opcode::kContinuation, "!"));
  EXPECT_EQ(outcome.messages.size(), 1u);
  ExpectError(outcome, kCloseProtocolError);
}

TEST(WsFragmentation, NewDataFrameWhileAssemblingIsRefused) {
  for (Opcode second : {Opcode::kText, Opcode::kBinary}) {
    for (bool fin : {true, false}) {
      ExpectError(
          DecodeAll(Role::kServer, Masked(Opcode::kText, "Hel", false) + Masked(second, "lo", fin)),
          kCloseProtocolError);
    }
  }
}

TEST(WsFragmentation, ManyFragmentsReassembleInOrder) {
  std::string stream = Masked(Opcode::kBinary, "a", false);
  for (char c = 'b'; c < 'z'; ++c)
    stream += Masked(Opcode::kContinuation, std::string(1, c), false);
  stream += Masked(Opcode::kContinuation, "z");
  Outcome outcome = DecodeAll(Role::kServer, stream);
  ASSERT_FALSE(outcome.error);
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].kind, Kind::kBinary);
  EXPECT_EQ(outcome.messages[0].payload, "abcdefghijklmnopqrstuvwxyz");
}

TEST(WsFragmentation, EmptyFragmentsAreAllowed) {
  Outcome outcome = DecodeAll(Role::kServer, Masked(Opcode::kText, "", false) +
                                                 Masked(Opcode::kContinuation, "", false) +
                                                 Masked(Opcode::kContinuation, ""));
  ASSERT_FALSE(outcome.error);
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].payload, "");
}

TEST(WsFragmentation, ControlFramesBetweenFragmentsAreTheirOwnMessages) {
  Outcome outcome = DecodeAll(
      Role::kServer, Masked(Opcode::kText, "Hel", false) + Masked(Opcode::kPing, "p1") +
                         Masked(Opcode::kContinuation, "l", false) + Masked(Opcode::kPong, "p2") +
                         Masked(Opcode::kContinuation, "o"));
  ASSERT_FALSE(outcome.error) << outcome.error->error;
  ASSERT_EQ(outcome.messages.size(), 3u);
  EXPECT_EQ(outcome.messages[0].kind, Kind::kPing);
  EXPECT_EQ(outcome.messages[0].payload, "p1");
  EXPECT_EQ(outcome.messages[1].kind, Kind::kPong);
  EXPECT_EQ(outcome.messages[1].payload, "p2");
  EXPECT_EQ(outcome.messages[2].kind, Kind::kText);
  EXPECT_EQ(outcome.messages[2].payload, "Hello");
}

TEST(WsFragmentation, CloseBetweenFragmentsIsDelivered) {
  Outcome outcome =
      DecodeAll(Role::kServer, Masked(Opcode::kText, "Hel", false) +
                                   Masked(Opcode::kClose, ClosePayload(kCloseGoingAway, "")));
  ASSERT_FALSE(outcome.error);
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].kind, Kind::kClose);
  EXPECT_EQ(outcome.messages[0].close_code, kCloseGoingAway);
}

// --- RFC 6455 5.5: control frames --------------------------------------------------------------

TEST(WsControl, PayloadOf125BytesIsAccepted) {
  Outcome outcome = DecodeAll(Role::kServer, Masked(Opcode::kPing, std::string(125, 'p')));
  ASSERT_FALSE(outcome.error);
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].payload.size(), 125u);
}

TEST(WsControl, PayloadOver125BytesIsRefusedFromHeader) {
  for (Opcode opcode : {Opcode::kPing, Opcode::kPong, Opcode::kClose}) {
    std::string frame = Masked(opcode, std::string(126, 'p'));
    ExpectError(DecodeAll(Role::kServer, frame.substr(0, 2)), kCloseProtocolError);
    ExpectError(DecodeAll(Role::kServer, frame), kCloseProtocolError);
  }
}

TEST(WsControl, FragmentedControlFrameIsRefused) {
  for (Opcode opcode : {Opcode::kPing, Opcode::kPong, Opcode::kClose}) {
    ExpectError(DecodeAll(Role::kServer, Masked(opcode, "", false)), kCloseProtocolError);
  }
}

TEST(WsControl, ControlFramesAreBoundedBy125NotByTheMessageLimit) {
  Outcome outcome = DecodeAll(Role::kServer, Masked(Opcode::kPing, std::string(100, 'p')), 16);
  ASSERT_FALSE(outcome.error);
  EXPECT_EQ(outcome.messages.size(), 1u);
}

// --- RFC 6455 5.5.1 and 7.4: close -------------------------------------------------------------

TEST(WsClose, EmptyCloseHasNoStatus) {
  Outcome outcome = DecodeAll(Role::kServer, Masked(Opcode::kClose, ""));
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].kind, Kind::kClose);
  EXPECT_EQ(outcome.messages[0].close_code, kCloseNoStatus);
  EXPECT_EQ(outcome.messages[0].close_reason, "");
}

TEST(WsClose, CodeAndReasonAreDecoded) {
  Outcome outcome =
      DecodeAll(Role::kServer, Masked(Opcode::kClose, ClosePayload(kCloseNormal, "bye \xc3\xa9")));
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].kind, Kind::kClose);
  EXPECT_EQ(outcome.messages[0].close_code, kCloseNormal);
  EXPECT_EQ(outcome.messages[0].close_reason, "bye \xc3\xa9");
}

TEST(WsClose, OneBytePayloadIsRefused) {
  ExpectError(DecodeAll(Role::kServer, Masked(Opcode::kClose, "\x03")), kCloseProtocolError);
}

TEST(WsClose, SendableCodesAreAccepted) {
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
                   3999, 4000, 4999}) {
    Outcome outcome = DecodeAll(
        Role::kServer, Masked(Opcode::kClose, ClosePayload(static_cast<uint16_t>(code), "")));
    ASSERT_FALSE(outcome.error) << code << ": " << outcome.error->error;
    EXPECT_EQ(outcome.messages[0].close_code, code);
  }
}

TEST(WsClose, ReservedAndUnassignedCodesAreRefused) {
  for (int code : {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    ExpectError(DecodeAll(Role::kServer,
                          Masked(Opcode::kClose, ClosePayload(static_cast<uint16_t>(code), ""))),
                kCloseProtocolError);
  }
}

TEST(WsClose, ReasonThatIsNotUtf8IsRefused) {
  ExpectError(DecodeAll(Role::kServer, Masked(Opcode::kClose, ClosePayload(1000, "bad \xff"))),
              kCloseInvalidPayload);
  ExpectError(DecodeAll(Role::kServer, Masked(Opcode::kClose, ClosePayload(1000, "cut \xe2\x82"))),
              kCloseInvalidPayload);
}

TEST(WsClose, EncodeCloseWritesCodeThenReason) {
  EXPECT_EQ(EncodeClose(kCloseNormal, "bye"), Bytes({0x88, 0x05, 0x03, 0xe8, 'b', 'y', 'e'}));
  EXPECT_EQ(EncodeClose(kCloseTooBig, ""), Bytes({0x88, 0x02, 0x03, 0xf1}));
}

TEST(WsClose, EncodeCloseTruncatesReasonTo125BytesTotal) {
  std::string frame = EncodeClose(kClosePolicyViolation, std::string(300, 'r'));
  ASSERT_EQ(frame.size(), 2u + 125u);
  EXPECT_EQ(static_cast<uint8_t>(frame[1]), 125);
  Outcome outcome = DecodeAll(Role::kClient, frame);
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0].close_reason, std::string(123, 'r'));
}

TEST(WsClose, EncodeCloseTruncatesOnUtf8Boundary) {
  // 122 ASCII bytes, then characters of 2, 3 and 4 bytes straddling the 123-byte limit.
  for (std::string character : {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"}) {
    std::string reason = std::string(122, 'a') + character + "tail";
    std::string frame = EncodeClose(kCloseNormal, reason);
    Outcome outcome = DecodeAll(Role::kClient, frame);
    ASSERT_FALSE(outcome.error) << outcome.error->error;
    ASSERT_EQ(outcome.messages.size(), 1u);
    EXPECT_EQ(outcome.messages[0].close_reason, std::string(122, 'a'));
  }
  // A 2-byte character ending exactly at the limit is kept.
  std::string exact = std::string(121, 'a') + "\xc3\xa9";
  EXPECT_EQ(EncodeClose(kCloseNormal, exact + "more").size(), 2u + 125u);
}

// --- RFC 6455 8.1: UTF-8 in text messages ------------------------------------------------------

TEST(WsUtf8, ValidTextIsAccepted) {
  const char* valid[] = {
      "plain ascii, and more than eight bytes of it",
      "\xc2\x80 \xdf\xbf",                             // U+0080, U+07FF
      "\xe0\xa0\x80 \xed\x9f\xbf",                     // U+0800, U+D7FF (last before surrogates)
      "\xee\x80\x80 \xef\xbf\xbf",                     // U+E000, U+FFFF
      "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf",             // U+10000, U+10FFFF
      "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",  // "kosme" (Autobahn 6.2)
  };
  for (const char* text : valid) {
    Outcome outcome = DecodeAll(Role::kServer, Masked(Opcode::kText, text));
    ASSERT_FALSE(outcome.error) << text;
    EXPECT_EQ(outcome.messages[0].payload, text);
  }
}

TEST(WsUtf8, InvalidTextIsRefused) {
  const char* invalid[] = {
      "\x80",                          // lone continuation byte
      "\xc0\x80",                      // overlong NUL
      "\xc1\xbf",                      // overlong
      "\xe0\x9f\xbf",                  // overlong 3-byte form
      "\xed\xa0\x80",                  // surrogate U+D800
      "\xed\xbf\xbf",                  // surrogate U+DFFF
      "\xf0\x8f\xbf\xbf",              // overlong 4-byte form
      "\xf4\x90\x80\x80",              // above U+10FFFF
      "\xf5\x80\x80\x80",              // never valid lead byte
      "\xff",                          //
      "ascii then \xe2\x28\xa1",       // continuation missing
      "\xc3",                          // ends mid-character
      "0123456789abcdef\xf0\x9f\x98",  // ends mid-character after the ASCII fast path
  };
  for (const char* text : invalid) {
    ExpectError(DecodeAll(Role::kServer, Masked(Opcode::kText, text)), kCloseInvalidPayload);
  }
}

TEST(WsUtf8, BinaryMessagesAreNotChecked) {
  Outcome outcome = DecodeAll(Role::kServer, Masked(Opcode::kBinary, "\xff\xc0\x80"));
  ASSERT_FALSE(outcome.error);
  EXPECT_EQ(outcome.messages[0].payload, "\xff\xc0\x80");
}

TEST(WsUtf8, CharacterSplitAcrossFragmentsIsAccepted) {
  Outcome outcome = DecodeAll(Role::kServer, Masked(Opcode::kText, "\xf0", false) +
                                                 Masked(Opcode::kContinuation, "\x9f", false) +
                                                 Masked(Opcode::kPing, "") +
                                                 Masked(Opcode::kContinuation, "\x98\x80!"));
  ASSERT_FALSE(outcome.error) << outcome.error->error;
  ASSERT_EQ(outcome.messages.size(), 2u);
  EXPECT_EQ(outcome.messages[1].payload, "\xf0\x9f\x98\x80!");
}

TEST(WsUtf8, InvalidFragmentIsRefusedWhenItArrives) {
  // The message is not finished, yet the second fragment already makes it invalid.
  const std::string first = Masked(Opcode::kText, "Hello \xe2\x82", false);
  const std::string second = Masked(Opcode::kContinuation, "\x28 world", false);
  Decoder decoder(Role::kServer, DecoderLimits{});
  Message message;
  DecodeResult result = decoder.Decode(first, message);
  ASSERT_EQ(result.kind, DecodeResult::Kind::kNeedMore);
  EXPECT_EQ(result.consumed, first.size());
  result = decoder.Decode(second, message);
  ASSERT_EQ(result.kind, DecodeResult::Kind::kError);
  EXPECT_EQ(result.close_code, kCloseInvalidPayload);
}

TEST(WsUtf8, InvalidFirstFragmentIsRefused) {
  ExpectError(DecodeAll(Role::kServer, Masked(Opcode::kText, "ok \xed\xa0", false)),
              kCloseInvalidPayload);
}

TEST(WsUtf8, MessageEndingMidCharacterIsRefusedAtFinalFragment) {
  const std::string first = Masked(Opcode::kText, "abc", false);
  const std::string last = Masked(Opcode::kContinuation, "\xe2\x82");
  Decoder decoder(Role::kServer, DecoderLimits{});
  Message message;
  ASSERT_EQ(decoder.Decode(first, message).kind, DecodeResult::Kind::kNeedMore);
  DecodeResult result = decoder.Decode(last, message);
  ASSERT_EQ(result.kind, DecodeResult::Kind::kError);
  EXPECT_EQ(result.close_code, kCloseInvalidPayload);
}

TEST(WsUtf8, EveryCodePointRoundTrips) {
  // Encodes every scalar value by hand and checks each is accepted in its own message.
  std::string stream;
  size_t count = 0;
  for (uint32_t cp = 0; cp <= 0x10ffff; cp += (cp < 0x1000 ? 1 : 61)) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    std::string text;
    if (cp < 0x80) {
      text += static_cast<char>(cp);
    } else if (cp < 0x800) {
      text += static_cast<char>(0xc0 | (cp >> 6));
      text += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      text += static_cast<char>(0xe0 | (cp >> 12));
      text += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      text += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      text += static_cast<char>(0xf0 | (cp >> 18));
      text += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      text += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      text += static_cast<char>(0x80 | (cp & 0x3f));
    }
    stream += EncodeFrame(Opcode::kText, text);
    ++count;
  }
  Outcome outcome = DecodeAll(Role::kClient, stream);
  ASSERT_FALSE(outcome.error) << outcome.error->error;
  EXPECT_EQ(outcome.messages.size(), count);
}

// --- Size limit (RFC 6455 7.4.1: 1009) ---------------------------------------------------------

TEST(WsLimit, MessageAtTheLimitIsAccepted) {
  Outcome outcome = DecodeAll(Role::kServer, Masked(Opcode::kBinary, std::string(16, 'x')), 16);
  ASSERT_FALSE(outcome.error);
  EXPECT_EQ(outcome.messages.size(), 1u);
}

TEST(WsLimit, OversizeFrameIsRefusedFromHeaderBeforePayload) {
  // Only the two header bytes of a 17-byte frame.
  std::string frame = Masked(Opcode::kBinary, std::string(17, 'x'));
  ExpectError(DecodeAll(Role::kServer, frame.substr(0, 2), 16), kCloseTooBig);
  // A 64-bit length announcing 4 GiB, with no payload at all.
  std::string huge = Bytes({0x82, 0xff, 0, 0, 0, 0x01, 0, 0, 0, 0});
  ExpectError(DecodeAll(Role::kServer, huge, 1 << 20), kCloseTooBig);
  // The largest length the 64-bit form allows.
  std::string largest = Bytes({0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  ExpectError(DecodeAll(Role::kServer, largest, 1 << 20), kCloseTooBig);
}

TEST(WsLimit, AccumulatedFragmentsOverLimitAreRefusedFromHeader) {
  std::string first = Masked(Opcode::kText, std::string(10, 'x'), false);
  std::string fits = Masked(Opcode::kContinuation, std::string(6, 'x'));
  std::string over = Masked(Opcode::kContinuation, std::string(7, 'x'));

  Outcome ok = DecodeAll(Role::kServer, first + fits, 16);
  ASSERT_FALSE(ok.error);
  EXPECT_EQ(ok.messages.size(), 1u);

  Outcome refused = DecodeAll(Role::kServer, first + over.substr(0, 2), 16);
  ExpectError(refused, kCloseTooBig);
  EXPECT_EQ(refused.leftover, 2u);  // the first fragment was consumed
}

TEST(WsLimit, LimitAppliesPerMessageNotPerConnection) {
  std::string stream;
  for (int i = 0; i < 10; ++i) stream += Masked(Opcode::kText, std::string(16, 'x'));
  Outcome outcome = DecodeAll(Role::kServer, stream, 16);
  ASSERT_FALSE(outcome.error);
  EXPECT_EQ(outcome.messages.size(), 10u);
}

// --- Streams: byte-at-a-time feeding and round trips --------------------------------------------

std::string MixedStream() {
  return Masked(Opcode::kText, "first") + Masked(Opcode::kBinary, std::string(300, '\x01')) +
         Masked(Opcode::kText, "fr\xc3", false) + Masked(Opcode::kPing, "are you there") +
         Masked(Opcode::kContinuation, "\xa9", false) +
         Masked(Opcode::kContinuation, "agment\xe2\x82\xac") +
         Masked(Opcode::kBinary, std::string(70000, 'b')) + Masked(Opcode::kPong, "") +
         Masked(Opcode::kClose, ClosePayload(kCloseNormal, "done"));
}

void ExpectSameMessages(const Outcome& a, const Outcome& b) {
  ASSERT_EQ(a.messages.size(), b.messages.size());
  for (size_t i = 0; i < a.messages.size(); ++i) {
    EXPECT_EQ(a.messages[i].kind, b.messages[i].kind) << i;
    EXPECT_EQ(a.messages[i].payload, b.messages[i].payload) << i;
    EXPECT_EQ(a.messages[i].close_code, b.messages[i].close_code) << i;
    EXPECT_EQ(a.messages[i].close_reason, b.messages[i].close_reason) << i;
  }
}

TEST(WsStream, ByteAtATimeFeedingGivesTheSameMessages) {
  const std::string stream = MixedStream();
  Outcome whole = DecodeAll(Role::kServer, stream);
  ASSERT_FALSE(whole.error) << whole.error->error;
  ASSERT_EQ(whole.messages.size(), 7u);
  EXPECT_EQ(whole.messages[2].kind, Kind::kPing);
  EXPECT_EQ(whole.messages[3].payload,
            "fr\xc3\xa9"
            "agment\xe2\x82\xac");
  EXPECT_EQ(whole.messages[6].close_reason, "done");

  Outcome bytewise = DecodeByteAtATime(Role::kServer, stream);
  ASSERT_FALSE(bytewise.error) << bytewise.error->error;
  EXPECT_EQ(bytewise.leftover, 0u);
  ExpectSameMessages(whole, bytewise);
}

TEST(WsStream, ByteAtATimeFeedingStopsAtTheSameError) {
  const std::string stream = Masked(Opcode::kText, "ok") + Masked(Opcode::kText, "a\xc0\x80");
  Outcome bytewise = DecodeByteAtATime(Role::kServer, stream);
  ExpectError(bytewise, kCloseInvalidPayload);
  EXPECT_EQ(bytewise.messages.size(), 1u);
}

TEST(WsStream, MaskedFramesRoundTripThroughServerDecoder) {
  for (size_t size : {0u, 1u, 7u, 8u, 9u, 125u, 126u, 127u, 65535u, 65536u, 100000u}) {
    std::string payload(size, '\0');
    for (size_t i = 0; i < size; ++i) payload[i] = static_cast<char>(i * 7 + 3);
    for (uint32_t key : {0u, kRfcMaskKey, 0xffffffffu}) {
      Outcome outcome = DecodeAll(Role::kServer, EncodeMaskedFrame(Opcode::kBinary, payload, key));
      ASSERT_FALSE(outcome.error) << size;
      ASSERT_EQ(outcome.messages.size(), 1u);
      EXPECT_EQ(outcome.messages[0].payload, payload) << size << " " << key;
    }
  }
}

TEST(WsStream, ServerFramesRoundTripThroughClientDecoder) {
  std::string stream = EncodeFrame(Opcode::kText, "{\"topic\":\"scores\"}") +
                       EncodeFrameHeader(Opcode::kBinary, 3) + "abc" +
                       EncodeFrame(Opcode::kPing, "p") + EncodeClose(kCloseTryAgainLater, "slow");
  Outcome outcome = DecodeAll(Role::kClient, stream);
  ASSERT_FALSE(outcome.error) << outcome.error->error;
  ASSERT_EQ(outcome.messages.size(), 4u);
  EXPECT_EQ(outcome.messages[0].payload, "{\"topic\":\"scores\"}");
  EXPECT_EQ(outcome.messages[1].payload, "abc");
  EXPECT_EQ(outcome.messages[2].kind, Kind::kPing);
  EXPECT_EQ(outcome.messages[3].close_code, kCloseTryAgainLater);
  EXPECT_EQ(outcome.messages[3].close_reason, "slow");
}

TEST(WsStream, ReusedMessageIsResetBetweenKinds) {
  Decoder decoder(Role::kServer, DecoderLimits{});
  Message message;
  std::string close = Masked(Opcode::kClose, ClosePayload(kCloseNormal, "bye"));
  ASSERT_EQ(decoder.Decode(close, message).kind, DecodeResult::Kind::kMessage);
  EXPECT_EQ(message.close_code, kCloseNormal);
  ASSERT_EQ(decoder.Decode(Masked(Opcode::kText, "hi"), message).kind,
            DecodeResult::Kind::kMessage);
  EXPECT_EQ(message.kind, Kind::kText);
  EXPECT_EQ(message.close_code, kCloseNoStatus);
  EXPECT_EQ(message.close_reason, "");
}

TEST(WsDecoder, IdleDecoderIsSmall) {
  // One per connection: a string, the limits and a few flags.
  EXPECT_LE(sizeof(Decoder), 64u);
}

}  // namespace
}  // namespace herald::proto::ws
