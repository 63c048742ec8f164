// Fuzzes the WebSocket JSON protocol's client message parser and the payload field writer.
// Input: any bytes, taken both as a client message and as a published payload.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/topic.h"
#include "proto/json/client_message.h"
#include "proto/json/payload.h"
#include "proto/json/writer.h"

namespace {

namespace json = herald::proto::json;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

void CheckClientMessage(std::string_view input) {
  auto message = json::ParseClientMessage(input);
  if (!message) {
    const std::string& code = message.error().code;
    Check(code == "bad_json" || code == "bad_message" || code == "unknown_type");
    Check(!message.error().message.empty());
    if (!json::IsJson(input)) Check(code == "bad_json");
    // The ref an error names comes only from a JSON object.
    if (json::RefOfRefusedMessage(input)) Check(json::IsJson(input));
    return;
  }
  Check(json::IsJson(input));  // only a JSON object is a message
  using Type = json::ClientMessage::Type;
  if (message->type == Type::kSubscribe || message->type == Type::kUnsubscribe) {
    Check(!message->topics.empty());
  }
  if (message->type != Type::kSubscribe) Check(!message->since.has_value());
  if (message->type == Type::kPublish) {
    // Whatever a client publishes must frame as an event's payload field.
    std::string out;
    json::AppendPayloadField(out, message->payload);
    Check(json::IsJson("{\"x\":1" + out + "}"));
  } else {
    Check(message->payload.empty() && !message->retain.has_value());
  }
}

// The field appended for `payload`, wrapped in an object, is JSON and gives the payload back:
// the same minified JSON, the same text, or the same bytes through base64.
void CheckPayloadField(std::string_view payload) {
  std::string out;
  json::AppendPayloadField(out, payload);
  std::string wrapped = "{\"x\":1" + out + "}";
  Check(json::IsJson(wrapped));

  if (payload.empty()) {
    Check(out == ",\"data\":null");
    return;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(wrapped).get(root) != simdjson::SUCCESS) {
    // Numbers simdjson cannot hold, which IsJson accepts: the field is the payload's own JSON
    // text, minified, and minifying it again changes nothing.
    Check(json::IsJson(payload));
    Check(StartsWith(out, ",\"data\":"));
    std::string again;
    json::AppendPayloadField(again, std::string_view(out).substr(8));
    Check(again == out);
    return;
  }
  simdjson::dom::element data;
  if (StartsWith(out, ",\"data_b64\":\"")) {
    Check(!herald::core::IsValidUtf8(payload));
    std::string_view b64;
    Check(root["data_b64"].get(b64) == simdjson::SUCCESS);
    std::string decoded;
    Check(json::DecodeBase64(b64, decoded));
    Check(decoded == payload);
    return;
  }
  Check(StartsWith(out, ",\"data\":"));
  Check(root["data"].get(data) == simdjson::SUCCESS);
  std::string_view text;
  if (json::IsJson(payload)) {
    // Minified JSON: one line, and minifying it again changes nothing.
    std::string_view field = std::string_view(out).substr(8);
    Check(field.find_first_of("\r\n") == std::string_view::npos);
    std::string again;
    json::AppendPayloadField(again, field);
    Check(again == out);
  } else {
    Check(herald::core::IsValidUtf8(payload));
    Check(data.get(text) == simdjson::SUCCESS);
    Check(text == payload);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckClientMessage(input);
  CheckPayloadField(input);
  return 0;
}
