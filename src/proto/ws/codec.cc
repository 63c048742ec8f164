#include "proto/ws/codec.h"

#include <array>
#include <cstring>
#include <string>
#include <utility>

#include "proto/json/writer.h"
#include "proto/ws/sha1.h"

namespace herald::proto::ws {
namespace {

// RFC 6455 1.3: the GUID appended to Sec-WebSocket-Key before hashing.
constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// RFC 6455 5.5: control frames carry at most 125 bytes; a close reason then gets 123.
constexpr size_t kMaxControlPayload = 125;
constexpr size_t kMaxCloseReason = kMaxControlPayload - 2;

// RFC 6455 5.2 base framing.
constexpr uint8_t kFinBit = 0x80;
constexpr uint8_t kRsvBits = 0x70;
constexpr uint8_t kOpcodeBits = 0x0f;
constexpr uint8_t kMaskBit = 0x80;
constexpr uint8_t kLengthBits = 0x7f;
constexpr uint8_t kLength16 = 126;
constexpr uint8_t kLength64 = 127;

// Incremental UTF-8 validation (RFC 3629 4) as a DFA over byte classes, so a text message is
// checked fragment by fragment without keeping anything but the state between them. States:
// kUtf8Accept between characters, kUtf8Reject (sticky) on any error, the others count the
// continuation bytes still due and narrow the first one's range to refuse overlong forms,
// surrogates (U+D800..U+DFFF) and code points above U+10FFFF.
enum : uint8_t {
  kUtf8Accept = 0,
  kUtf8Reject = 1,
  kUtf8Need1 = 2,    // one more 80..BF
  kUtf8Need2 = 3,    // two more 80..BF
  kUtf8Need3 = 4,    // three more 80..BF
  kUtf8AfterE0 = 5,  // A0..BF then one more (no overlong 3-byte forms)
  kUtf8AfterED = 6,  // 80..9F then one more (no surrogates)
  kUtf8AfterF0 = 7,  // 90..BF then two more (no overlong 4-byte forms)
  kUtf8AfterF4 = 8,  // 80..8F then two more (nothing above U+10FFFF)
  kUtf8StateCount = 9,
};

// Byte classes: 0 ASCII, 1 80..8F, 2 90..9F, 3 A0..BF, 4 never valid (C0 C1 F5..FF), 5 C2..DF,
// 6 E0, 7 E1..EC EE EF, 8 ED, 9 F0, 10 F1..F3, 11 F4.
constexpr int kUtf8ClassCount = 12;

constexpr uint8_t Utf8Class(unsigned c) {
  if (c < 0x80) return 0;
  if (c < 0x90) return 1;
  if (c < 0xa0) return 2;
  if (c < 0xc0) return 3;
  if (c < 0xc2) return 4;
  if (c < 0xe0) return 5;
  if (c == 0xe0) return 6;
  if (c == 0xed) return 8;
  if (c < 0xf0) return 7;
  if (c == 0xf0) return 9;
  if (c < 0xf4) return 10;
  if (c == 0xf4) return 11;
  return 4;
}

constexpr std::array<uint8_t, 256> MakeUtf8Classes() {
  std::array<uint8_t, 256> classes{};
  for (unsigned c = 0; c < 256; ++c) classes[c] = Utf8Class(c);
  return classes;
}
constexpr std::array<uint8_t, 256> kUtf8Classes = MakeUtf8Classes();

// Short names, so the table below reads as a table.
constexpr uint8_t kOk = kUtf8Accept;
constexpr uint8_t kX = kUtf8Reject;
constexpr uint8_t k1 = kUtf8Need1;
constexpr uint8_t k2 = kUtf8Need2;
constexpr uint8_t k3 = kUtf8Need3;
constexpr uint8_t kE0 = kUtf8AfterE0;
constexpr uint8_t kED = kUtf8AfterED;
constexpr uint8_t kF0 = kUtf8AfterF0;
constexpr uint8_t kF4 = kUtf8AfterF4;

// kUtf8Transitions[state][class]; rows in the order of the state enum.
// clang-format off
constexpr uint8_t kUtf8Transitions[kUtf8StateCount][kUtf8ClassCount] = {
    // ASCII 80-8F  90-9F  A0-BF  bad    C2-DF  E0     E1-EF  ED     F0     F1-F3  F4
    {kOk,   kX,    kX,    kX,    kX,    k1,    kE0,   k2,    kED,   kF0,   k3,    kF4},     // accept
    {kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX},      // reject
    {kX,    kOk,   kOk,   kOk,   kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX},      // need 1
    {kX,    k1,    k1,    k1,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX},      // need 2
    {kX,    k2,    k2,    k2,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX},      // need 3
    {kX,    kX,    kX,    k1,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX},      // after E0
    {kX,    k1,    k1,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX},      // after ED
    {kX,    kX,    k2,    k2,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX},      // after F0
    {kX,    k2,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX,    kX},      // after F4
};
// clang-format on

// Advances the validator over `bytes`; returns kUtf8Reject as soon as an error is seen.
uint32_t Utf8Advance(uint32_t state, std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p != end) {
    if (state == kUtf8Accept) {
      // Skip ASCII eight bytes at a time; text frames are mostly JSON.
      while (end - p >= 8) {
        uint64_t word;
        std::memcpy(&word, p, 8);
        if (word & 0x8080808080808080ull) break;
        p += 8;
      }
      if (p == end) break;
    }
    state = kUtf8Transitions[state][kUtf8Classes[*p]];
    if (state == kUtf8Reject) return state;
    ++p;
  }
  return state;
}

bool IsValidUtf8(std::string_view bytes) { return Utf8Advance(kUtf8Accept, bytes) == kUtf8Accept; }

// RFC 6455 7.4.1 and 7.4.2: codes a peer may send. 1004 is reserved, 1005, 1006 and 1015 are
// never sent on the wire, 1016..2999 are unassigned, 3000..4999 belong to libraries and apps.
bool IsValidCloseCode(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

bool IsKnownOpcode(uint8_t opcode) { return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa); }

bool IsControl(uint8_t opcode) { return (opcode & 0x8) != 0; }

// XORs `n` bytes with the 4-byte masking key, starting at key byte 0 (RFC 6455 5.3).
void Unmask(char* data, size_t n, const unsigned char key[4]) {
  uint64_t wide_key;
  unsigned char repeated[8] = {key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]};
  std::memcpy(&wide_key, repeated, 8);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, data + i, 8);
    word ^= wide_key;
    std::memcpy(data + i, &word, 8);
  }
  for (; i < n; ++i) data[i] = static_cast<char>(data[i] ^ key[i & 3]);
}

uint64_t ReadBigEndian(std::string_view input, size_t offset, size_t bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes; ++i) {
    value = value << 8 | static_cast<unsigned char>(input[offset + i]);
  }
  return value;
}

DecodeResult Fail(uint16_t close_code, std::string error) {
  DecodeResult result;
  result.kind = DecodeResult::Kind::kError;
  result.close_code = close_code;
  result.error = std::move(error);
  return result;
}

DecodeResult NeedMore(size_t consumed) {
  DecodeResult result;
  result.consumed = consumed;
  return result;
}

DecodeResult Complete(size_t consumed) {
  DecodeResult result;
  result.kind = DecodeResult::Kind::kMessage;
  result.consumed = consumed;
  return result;
}

Message::Kind DataKind(Opcode opcode) {
  return opcode == Opcode::kText ? Message::Kind::kText : Message::Kind::kBinary;
}

void AppendHeader(std::string& out, uint8_t first_byte, uint8_t mask_bit, uint64_t length) {
  out += static_cast<char>(first_byte);
  // RFC 6455 5.2: 7-bit length up to 125, else 126 + 16-bit or 127 + 64-bit, in network order.
  if (length <= kMaxControlPayload) {
    out += static_cast<char>(mask_bit | length);
    return;
  }
  size_t bytes = length <= 0xffff ? 2 : 8;
  out += static_cast<char>(mask_bit | (bytes == 2 ? kLength16 : kLength64));
  for (size_t i = bytes; i-- > 0;) out += static_cast<char>((length >> (8 * i)) & 0xff);
}

}  // namespace

std::string AcceptKey(std::string_view client_key) {
  std::string keyed;
  keyed.reserve(client_key.size() + kAcceptGuid.size());
  keyed.append(client_key).append(kAcceptGuid);
  auto digest = Sha1(keyed);
  std::string accept;
  json::AppendBase64(accept,
                     std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  return accept;
}

bool IsValidClientKey(std::string_view key) {
  // RFC 6455 4.1: a base64-encoded (RFC 4648 4, so padded: 24 characters) 16-byte value.
  constexpr size_t kEncodedKeyBytes = 24;
  constexpr size_t kKeyBytes = 16;
  if (key.size() != kEncodedKeyBytes) return false;
  std::string decoded;
  return json::DecodeBase64(key, decoded) && decoded.size() == kKeyBytes;
}

Decoder::Decoder(Role role, DecoderLimits limits) : role_(role), limits_(limits) {}

DecodeResult Decoder::Decode(std::string_view input, Message& out) {
  // Each check runs as soon as the bytes it needs are present, in the order of those bytes, so
  // the same stream gives the same verdict however it is split into reads.
  if (input.size() < 2) return NeedMore(0);
  const auto b0 = static_cast<uint8_t>(input[0]);
  const auto b1 = static_cast<uint8_t>(input[1]);
  const bool fin = (b0 & kFinBit) != 0;
  const uint8_t opcode_bits = b0 & kOpcodeBits;
  const bool masked = (b1 & kMaskBit) != 0;
  const uint8_t length7 = b1 & kLengthBits;

  // RFC 6455 5.2: RSV1-3 must be 0 unless an extension defines them; Herald negotiates none.
  if ((b0 & kRsvBits) != 0) {
    return Fail(kCloseProtocolError,
                "reserved bits set without a negotiated extension (RFC 6455 5.2)");
  }
  // RFC 6455 5.2: opcodes 0x3-0x7 and 0xB-0xF are reserved; receiving one fails the connection.
  if (!IsKnownOpcode(opcode_bits)) {
    static constexpr char kHex[] = "0123456789abcdef";
    return Fail(kCloseProtocolError,
                std::string("unknown opcode 0x") + kHex[opcode_bits] + " (RFC 6455 5.2)");
  }
  const auto opcode = static_cast<Opcode>(opcode_bits);
  const bool control = IsControl(opcode_bits);
  if (control) {
    // RFC 6455 5.5: control frames must not be fragmented and carry at most 125 bytes.
    if (!fin) return Fail(kCloseProtocolError, "fragmented control frame (RFC 6455 5.5)");
    if (length7 > kMaxControlPayload) {
      return Fail(kCloseProtocolError, "control frame payload over 125 bytes (RFC 6455 5.5)");
    }
  }
  // RFC 6455 5.1: a server closes on an unmasked client frame; a client on a masked server frame.
  if (role_ == Role::kServer && !masked) {
    return Fail(kCloseProtocolError, "client frame not masked (RFC 6455 5.1)");
  }
  if (role_ == Role::kClient && masked) {
    return Fail(kCloseProtocolError, "server frame masked (RFC 6455 5.1)");
  }
  if (!control) {
    // RFC 6455 5.4: a message is one unfragmented frame, or a first frame with FIN clear, any
    // continuation frames, and a final continuation frame with FIN set; messages never interleave.
    if (opcode == Opcode::kContinuation && !assembling_) {
      return Fail(kCloseProtocolError,
                  "continuation frame without a message to continue (RFC 6455 5.4)");
    }
    if (opcode != Opcode::kContinuation && assembling_) {
      return Fail(kCloseProtocolError,
                  "new data frame while a fragmented message is incomplete (RFC 6455 5.4)");
    }
  }

  size_t header_bytes = 2;
  uint64_t payload_bytes = length7;
  if (length7 == kLength16) {
    header_bytes += 2;
    if (input.size() < header_bytes) return NeedMore(0);
    payload_bytes = ReadBigEndian(input, 2, 2);
  } else if (length7 == kLength64) {
    header_bytes += 8;
    if (input.size() < header_bytes) return NeedMore(0);
    payload_bytes = ReadBigEndian(input, 2, 8);
    // RFC 6455 5.2: the most significant bit of a 64-bit length must be 0.
    if ((payload_bytes >> 63) != 0) {
      return Fail(kCloseProtocolError,
                  "64-bit payload length has its most significant bit set (RFC 6455 5.2)");
    }
  }
  // Lengths need not be minimal (RFC 6455 5.2 asks it of senders only), so 126 + 0x0005 is fine.

  if (!control) {
    // Refuse from the header alone, so an announced 4 GiB frame never gets buffered. The fragments
    // held are always within the limit, so the subtraction cannot wrap.
    const size_t held = assembling_ ? fragments_.size() : 0;
    if (payload_bytes > limits_.max_message_bytes - held) {
      return Fail(kCloseTooBig, "message of at least " + std::to_string(held + payload_bytes) +
                                    " bytes over the limit of " +
                                    std::to_string(limits_.max_message_bytes) +
                                    " (RFC 6455 7.4.1)");
    }
  }

  const unsigned char* mask_key = nullptr;
  if (masked) {
    header_bytes += 4;
    if (input.size() < header_bytes) return NeedMore(0);
    mask_key = reinterpret_cast<const unsigned char*>(input.data() + header_bytes - 4);
  }
  // payload_bytes is at most 125 for control frames and the limit for data frames.
  if (input.size() - header_bytes < payload_bytes) return NeedMore(0);
  const auto payload_size = static_cast<size_t>(payload_bytes);
  const size_t frame_bytes = header_bytes + payload_size;
  const std::string_view payload = input.substr(header_bytes, payload_size);

  if (control) {
    out.payload.assign(payload);
    if (mask_key != nullptr) Unmask(out.payload.data(), out.payload.size(), mask_key);
    out.close_code = kCloseNoStatus;
    out.close_reason.clear();
    if (opcode == Opcode::kPing) {
      out.kind = Message::Kind::kPing;
    } else if (opcode == Opcode::kPong) {
      out.kind = Message::Kind::kPong;
    } else {
      out.kind = Message::Kind::kClose;
      // RFC 6455 5.5.1: a close body, if any, starts with a 2-byte code, then a UTF-8 reason.
      if (out.payload.size() == 1) {
        return Fail(kCloseProtocolError, "close frame with a 1-byte payload (RFC 6455 5.5.1)");
      }
      if (out.payload.size() >= 2) {
        const auto code = static_cast<uint16_t>(ReadBigEndian(out.payload, 0, 2));
        if (!IsValidCloseCode(code)) {
          return Fail(kCloseProtocolError, "close frame with invalid status code " +
                                               std::to_string(code) + " (RFC 6455 7.4)");
        }
        std::string_view reason = std::string_view(out.payload).substr(2);
        if (!IsValidUtf8(reason)) {
          return Fail(kCloseInvalidPayload, "close reason is not valid UTF-8 (RFC 6455 5.5.1)");
        }
        out.close_code = code;
        out.close_reason.assign(reason);
      }
    }
    return Complete(frame_bytes);
  }

  if (!assembling_ && fin) {
    // An unfragmented message: straight into `out`, reusing its buffer.
    out.payload.assign(payload);
    if (mask_key != nullptr) Unmask(out.payload.data(), out.payload.size(), mask_key);
    if (opcode == Opcode::kText && !IsValidUtf8(out.payload)) {
      return Fail(kCloseInvalidPayload, "text message is not valid UTF-8 (RFC 6455 8.1)");
    }
    out.kind = DataKind(opcode);
    out.close_code = kCloseNoStatus;
    out.close_reason.clear();
    return Complete(frame_bytes);
  }

  if (!assembling_) {
    assembling_ = true;
    fragmented_opcode_ = opcode;
    utf8_state_ = kUtf8Accept;
  }
  const size_t old_size = fragments_.size();
  fragments_.append(payload);
  if (mask_key != nullptr) Unmask(fragments_.data() + old_size, payload_size, mask_key);
  if (fragmented_opcode_ == Opcode::kText) {
    // RFC 6455 8.1 and 5.6: refuse invalid UTF-8 in the fragment that carries it, not at the end.
    utf8_state_ = Utf8Advance(utf8_state_, std::string_view(fragments_).substr(old_size));
    if (utf8_state_ == kUtf8Reject) {
      return Fail(kCloseInvalidPayload, "text message is not valid UTF-8 (RFC 6455 8.1)");
    }
    if (fin && utf8_state_ != kUtf8Accept) {
      return Fail(kCloseInvalidPayload, "text message ends inside a UTF-8 sequence (RFC 6455 8.1)");
    }
  }
  if (!fin) return NeedMore(frame_bytes);

  out.kind = DataKind(fragmented_opcode_);
  out.payload = std::move(fragments_);
  out.close_code = kCloseNoStatus;
  out.close_reason.clear();
  // A moved-to std::string may hand its old buffer back to the source; swapping with an empty
  // temporary frees it, so an idle decoder holds no heap memory.
  std::string().swap(fragments_);
  assembling_ = false;
  fragmented_opcode_ = Opcode::kContinuation;
  utf8_state_ = kUtf8Accept;
  return Complete(frame_bytes);
}

std::string EncodeFrameHeader(Opcode opcode, size_t payload_bytes) {
  std::string header;
  header.reserve(10);
  AppendHeader(header, kFinBit | static_cast<uint8_t>(opcode), 0, payload_bytes);
  return header;
}

std::string EncodeFrame(Opcode opcode, std::string_view payload) {
  std::string frame;
  frame.reserve(10 + payload.size());
  AppendHeader(frame, kFinBit | static_cast<uint8_t>(opcode), 0, payload.size());
  frame.append(payload);
  return frame;
}

std::string EncodeClose(uint16_t code, std::string_view reason) {
  if (reason.size() > kMaxCloseReason) {
    // RFC 6455 5.5.1: the reason must stay UTF-8, so never cut inside a character; back off over
    // continuation bytes (10xxxxxx) to the start of the character that did not fit.
    size_t cut = kMaxCloseReason;
    while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xc0) == 0x80) --cut;
    reason = reason.substr(0, cut);
  }
  std::string payload;
  payload.reserve(2 + reason.size());
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xff);
  payload.append(reason);
  return EncodeFrame(Opcode::kClose, payload);
}

std::string EncodeMaskedFrame(Opcode opcode, std::string_view payload, uint32_t mask_key,
                              bool fin) {
  const unsigned char key[4] = {
      static_cast<unsigned char>(mask_key >> 24), static_cast<unsigned char>(mask_key >> 16),
      static_cast<unsigned char>(mask_key >> 8), static_cast<unsigned char>(mask_key)};
  std::string frame;
  frame.reserve(14 + payload.size());
  AppendHeader(frame, static_cast<uint8_t>((fin ? kFinBit : 0) | static_cast<uint8_t>(opcode)),
               kMaskBit, payload.size());
  frame.append(reinterpret_cast<const char*>(key), 4);
  const size_t payload_start = frame.size();
  frame.append(payload);
  Unmask(frame.data() + payload_start, payload.size(), key);
  return frame;
}

}  // namespace herald::proto::ws
