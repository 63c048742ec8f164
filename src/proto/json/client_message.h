#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace herald::proto::json {

// One message of the WebSocket JSON protocol from a client (docs/protocol.md).
struct ClientMessage {
  enum class Type : unsigned char { kSubscribe, kUnsubscribe, kPublish, kAck };
  Type type = Type::kSubscribe;
  std::vector<std::string> topics;   // subscribe, unsubscribe
  std::optional<std::string> since;  // subscribe: last id seen
  std::string topic;                 // publish
  std::string payload;               // publish: a JSON string's text, else compact JSON text
  std::optional<bool> retain;  // publish: false marks it transient; unset: the topic policy decides
  std::optional<std::string> ref;        // publish: echoed in "published"; ack: unused
  std::string id;                        // ack: the acked event's id
  std::optional<std::string> client_id;  // ack/publish: the client's own id, when given
};

// Parses one text message. Errors carry the wire code: "bad_json" (not JSON, or not an object),
// "bad_message" (a field missing or of the wrong type), "unknown_type".
// Topics and ids are returned as sent; the session validates them.
core::Result<ClientMessage> ParseClientMessage(std::string_view text);

// The "ref" string of a message ParseClientMessage refused, when it is a JSON object that has
// one, so the error can name the publish it answers.
std::optional<std::string> RefOfRefusedMessage(std::string_view text);

}  // namespace herald::proto::json
