#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "proto/ws/codec.h"

namespace herald::bench {

// The client side of a WebSocket connection seen as a byte stream, for protocols carried inside
// it (MQTT, NATS): the upgrade request; then the payloads of the server's data frames joined in
// order, since a protocol packet may span frames or share one; and masked binary frames for what
// the client sends.
class WsStream {
 public:
  explicit WsStream(uint32_t mask_key) : mask_key_(mask_key) {}

  // The upgrade request; `protocol` (if not empty) goes into Sec-WebSocket-Protocol.
  static std::string Request(std::string_view path, std::string_view host,
                             std::string_view protocol, uint32_t seed);

  // Consumes socket bytes: the HTTP response head (upgraded() once it was a 101), then frames:
  // appends the payloads of text and binary messages to `data` and a pong for each ping to
  // `outbox`. False on another status, a malformed frame, or a close frame.
  bool Feed(std::string_view bytes, std::string& data, std::string& outbox);
  bool upgraded() const { return upgraded_; }

  // `data` as one masked binary frame.
  std::string Frame(std::string_view data) const {
    return proto::ws::EncodeMaskedFrame(proto::ws::Opcode::kBinary, data, mask_key_);
  }

 private:
  uint32_t mask_key_;
  bool upgraded_ = false;
  std::string head_;    // the response head until it is complete
  std::string buffer_;  // bytes of an incomplete frame
  proto::ws::Decoder decoder_{proto::ws::Role::kClient, proto::ws::DecoderLimits{16 << 20}};
};

}  // namespace herald::bench
