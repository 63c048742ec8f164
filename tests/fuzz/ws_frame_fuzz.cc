// Fuzzes the WebSocket frame decoder as a server sees client bytes: whole, and split into two
// reads at a point the input picks. Both must give the same messages and the same verdict, every
// message must satisfy what the decoder promises, and nothing may crash.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "proto/ws/codec.h"

namespace {

using herald::proto::ws::Decoder;
using herald::proto::ws::DecodeResult;
using herald::proto::ws::DecoderLimits;
using herald::proto::ws::Message;
using herald::proto::ws::Role;

// Small, so the size-limit paths (1009) are reached with short inputs.
constexpr size_t kMaxMessageBytes = 256;

void Require(bool condition) {
  if (!condition) std::abort();
}

// A plain decode-each-character UTF-8 check, independent of the decoder's DFA.
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      len = 2, cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3, cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4, cp = c & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      cp = cp << 6 | (next & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

struct Trace {
  std::vector<Message> messages;
  uint16_t close_code = 0;  // non-zero once the decoder refused the stream
};

void CheckMessage(const Message& message) {
  switch (message.kind) {
    case Message::Kind::kText:
      Require(IsUtf8(message.payload));
      [[fallthrough]];
    case Message::Kind::kBinary:
      Require(message.payload.size() <= kMaxMessageBytes);
      break;
    case Message::Kind::kClose:
      Require(IsUtf8(message.close_reason));
      [[fallthrough]];
    case Message::Kind::kPing:
    case Message::Kind::kPong:
      Require(message.payload.size() <= 125);
      break;
  }
}

// Decodes what `buffer` holds, as a session would, dropping consumed bytes.
void Drain(Decoder& decoder, std::string& buffer, Trace& trace) {
  while (trace.close_code == 0) {
    Message message;
    DecodeResult result = decoder.Decode(buffer, message);
    if (result.kind == DecodeResult::Kind::kError) {
      Require(result.close_code == 1002 || result.close_code == 1007 || result.close_code == 1009);
      Require(!result.error.empty() && result.error.size() <= 123);
      trace.close_code = result.close_code;
      return;
    }
    Require(result.consumed <= buffer.size());
    if (result.kind == DecodeResult::Kind::kMessage) {
      Require(result.consumed >= 2);
      CheckMessage(message);
      trace.messages.push_back(std::move(message));
    }
    buffer.erase(0, result.consumed);
    if (result.kind == DecodeResult::Kind::kNeedMore && result.consumed == 0) return;
  }
}

Trace Run(Role role, std::string_view input, size_t split) {
  Decoder decoder(role, DecoderLimits{kMaxMessageBytes});
  Trace trace;
  std::string buffer(input.substr(0, split));
  Drain(decoder, buffer, trace);
  buffer.append(input.substr(split));
  Drain(decoder, buffer, trace);
  return trace;
}

bool SameMessage(const Message& a, const Message& b) {
  return a.kind == b.kind && a.payload == b.payload && a.close_code == b.close_code &&
         a.close_reason == b.close_reason;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Trace whole = Run(Role::kServer, input, size);
  if (size > 0) {
    Trace split = Run(Role::kServer, input, data[0] % size);
    // Each check runs as soon as its bytes are there, so the split cannot change the outcome.
    Require(split.close_code == whole.close_code);
    Require(split.messages.size() == whole.messages.size());
    for (size_t i = 0; i < whole.messages.size(); ++i) {
      Require(SameMessage(split.messages[i], whole.messages[i]));
    }
  }
  // The client role reads the same bytes as server frames: unmasked frames get past 5.1 there.
  Run(Role::kClient, input, size);
  return 0;
}
