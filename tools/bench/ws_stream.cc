#include "ws_stream.h"

#include <cstdio>

namespace herald::bench {

std::string WsStream::Request(std::string_view path, std::string_view host,
                              std::string_view protocol, uint32_t seed) {
  // As in dialect.cc: servers only check that the key is 16 bytes of base64.
  char key[32];
  std::snprintf(key, sizeof key, "%08xAAAAAAAAAAAAAA==", seed);
  std::string request = "GET ";
  request.append(path);
  request += " HTTP/1.1\r\nHost: ";
  request.append(host);
  request += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
  request += key;
  request += "\r\nSec-WebSocket-Version: 13\r\n";
  if (!protocol.empty()) {
    request += "Sec-WebSocket-Protocol: ";
    request.append(protocol);
    request += "\r\n";
  }
  request += "\r\n";
  return request;
}

bool WsStream::Feed(std::string_view bytes, std::string& data, std::string& outbox) {
  if (!upgraded_) {
    head_.append(bytes);
    size_t end = head_.find("\r\n\r\n");
    if (end == std::string::npos) return head_.size() <= 16384;
    if (head_.compare(0, 13, "HTTP/1.1 101 ") != 0) return false;
    upgraded_ = true;
    buffer_ = head_.substr(end + 4);
    std::string().swap(head_);
    bytes = {};
  }
  std::string_view input = bytes;
  bool buffered = !buffer_.empty();
  if (buffered) {
    buffer_.append(bytes);
    input = buffer_;
  }
  size_t used = 0;
  proto::ws::Message message;
  while (used < input.size()) {
    proto::ws::DecodeResult result = decoder_.Decode(input.substr(used), message);
    used += result.consumed;
    if (result.kind == proto::ws::DecodeResult::Kind::kError) return false;
    if (result.kind == proto::ws::DecodeResult::Kind::kNeedMore) {
      if (result.consumed == 0) break;
      continue;
    }
    switch (message.kind) {
      case proto::ws::Message::Kind::kText:
      case proto::ws::Message::Kind::kBinary:
        data.append(message.payload);
        break;
      case proto::ws::Message::Kind::kPing:
        outbox +=
            proto::ws::EncodeMaskedFrame(proto::ws::Opcode::kPong, message.payload, mask_key_);
        break;
      case proto::ws::Message::Kind::kPong:
        break;
      case proto::ws::Message::Kind::kClose:
        return false;
    }
  }
  if (buffered) {
    buffer_.erase(0, used);
  } else {
    buffer_.assign(input.substr(used));
  }
  return true;
}

}  // namespace herald::bench
