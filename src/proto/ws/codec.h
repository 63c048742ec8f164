#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::proto::ws {

// RFC 6455 5.2 opcodes.
enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// RFC 6455 7.4.1 status codes Herald sends.
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kCloseUnsupportedData = 1003;
inline constexpr uint16_t kCloseNoStatus = 1005;  // never sent on the wire
inline constexpr uint16_t kCloseInvalidPayload = 1007;
inline constexpr uint16_t kClosePolicyViolation = 1008;
inline constexpr uint16_t kCloseTooBig = 1009;
inline constexpr uint16_t kCloseInternalError = 1011;
inline constexpr uint16_t kCloseTryAgainLater = 1013;  // Herald: slow consumer, overload

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 4.2.2: base64(SHA-1(key+GUID))).
std::string AcceptKey(std::string_view client_key);

// True when `key` is base64 of 16 bytes, as RFC 6455 4.1 requires of Sec-WebSocket-Key.
bool IsValidClientKey(std::string_view key);

enum class Role : uint8_t {
  kServer,  // decodes client frames: masking required (RFC 6455 5.1)
  kClient,  // decodes server frames: masking forbidden
};

struct Message {
  enum class Kind : uint8_t { kText, kBinary, kPing, kPong, kClose };
  Kind kind = Kind::kText;
  std::string payload;                   // whole message, reassembled from fragments, unmasked
  uint16_t close_code = kCloseNoStatus;  // kClose only; kCloseNoStatus when the frame had none
  std::string close_reason;              // kClose only, valid UTF-8
};

struct DecodeResult {
  enum class Kind : uint8_t { kNeedMore, kMessage, kError };
  Kind kind = Kind::kNeedMore;
  size_t consumed = 0;      // bytes of input used (also on kNeedMore, for consumed fragments)
  uint16_t close_code = 0;  // kError: the code to close with (1002, 1007, 1009)
  std::string error;        // kError: why, for the close reason and logs (≤ 123 bytes)
};

struct DecoderLimits {
  size_t max_message_bytes = 1024 * 1024;  // whole reassembled message; larger → 1009
};

// Decodes frames into messages: reassembles fragments (control frames may arrive between them),
// unmasks, validates UTF-8 of text messages incrementally across fragments and of close reasons,
// and enforces the size limit from the frame header, before the payload arrives.
// One per connection; its idle size is small (an empty string and a few flags).
class Decoder {
 public:
  Decoder(Role role, DecoderLimits limits);

  // Decodes from the start of `input`. Returns kMessage with `out` filled when a whole message
  // (or a control frame) is complete, kNeedMore when it needs more bytes (it consumes whole
  // data fragments it has absorbed, so the caller can drop them), or kError. After kError the
  // decoder must not be used again.
  DecodeResult Decode(std::string_view input, Message& out);

 private:
  Role role_;
  DecoderLimits limits_;
  std::string fragments_;                             // payload of a fragmented message so far
  Opcode fragmented_opcode_ = Opcode::kContinuation;  // kText/kBinary while assembling
  bool assembling_ = false;
  uint32_t utf8_state_ = 0;  // incremental UTF-8 validator state for text messages
};

// A whole unmasked frame (server to client) with FIN set.
std::string EncodeFrame(Opcode opcode, std::string_view payload);
// Just the header of an unmasked frame with FIN set, for gathered writes of shared payloads.
std::string EncodeFrameHeader(Opcode opcode, size_t payload_bytes);
// A close frame: 2-byte code and reason (truncated to fit 125 bytes on a UTF-8 boundary).
std::string EncodeClose(uint16_t code, std::string_view reason);
// A masked frame (client to server), for test clients and the load generator.
std::string EncodeMaskedFrame(Opcode opcode, std::string_view payload, uint32_t mask_key,
                              bool fin = true);

}  // namespace herald::proto::ws
