#include "proto/json/client_message.h"

#include <simdjson.h>

#include "proto/json/json_text.h"

namespace herald::proto::json {
namespace {

core::Error BadMessage(std::string message) {
  return core::Error{"bad_message", std::move(message)};
}

// The raw text of the top-level member `key` of a valid JSON object, or empty when not found
// (e.g. the key was written with escapes). Lets a publish keep its value byte-exact apart from
// whitespace, where re-serializing the parsed value would rewrite numbers and escapes.
std::string_view RawMemberValue(std::string_view object, std::string_view key) {
  size_t i = 0;
  auto skip_space = [&] {
    while (i < object.size() &&
           (object[i] == ' ' || object[i] == '\t' || object[i] == '\n' || object[i] == '\r')) {
      ++i;
    }
  };
  auto skip_string = [&] {  // at the opening quote; leaves i after the closing one
    for (++i; i < object.size() && object[i] != '"'; ++i) {
      if (object[i] == '\\') ++i;
    }
    ++i;
  };
  auto skip_value = [&] {
    int depth = 0;
    do {
      skip_space();
      if (i >= object.size()) return;
      char c = object[i];
      if (c == '"') {
        skip_string();
      } else if (c == '{' || c == '[') {
        ++depth;
        ++i;
      } else if (c == '}' || c == ']') {
        --depth;
        ++i;
      } else if (c == ',' || c == ':') {
        ++i;
      } else {
        while (i < object.size() && object[i] != ',' && object[i] != '}' && object[i] != ']' &&
               object[i] != ' ' && object[i] != '\t' && object[i] != '\n' && object[i] != '\r') {
          ++i;
        }
      }
    } while (depth > 0);
  };
  skip_space();
  if (i >= object.size() || object[i] != '{') return {};
  ++i;
  while (true) {
    skip_space();
    if (i >= object.size() || object[i] != '"') return {};
    size_t key_start = i + 1;
    skip_string();
    std::string_view name = object.substr(key_start, i - 1 - key_start);
    skip_space();
    if (i >= object.size() || object[i] != ':') return {};
    ++i;
    skip_space();
    size_t value_start = i;
    skip_value();
    if (name == key) return object.substr(value_start, i - value_start);
    skip_space();
    if (i >= object.size() || object[i] != ',') return {};
    ++i;
  }
}

// Whitespace-free copy of valid JSON text.
std::string Minified(std::string_view json) {
  std::string out(json.size() + simdjson::SIMDJSON_PADDING, '\0');
  size_t length = 0;
  if (simdjson::minify(json.data(), json.size(), out.data(), length) != simdjson::SUCCESS) {
    return std::string(json);
  }
  out.resize(length);
  return out;
}

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;  // reused buffers; see payload.cc
  return parser;
}

// Reads an optional string field; false (with `error`) when present but not a string.
bool OptionalString(simdjson::dom::object object, const char* key, std::optional<std::string>& out,
                    core::Error& error) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS) return true;
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) {
    error = BadMessage(std::string("\"") + key + "\" must be a string");
    return false;
  }
  out = std::string(text);
  return true;
}

bool RequiredString(simdjson::dom::object object, const char* key, std::string& out,
                    core::Error& error) {
  std::optional<std::string> value;
  if (!OptionalString(object, key, value, error)) return false;
  if (!value) {
    error = BadMessage(std::string("\"") + key + "\" is required");
    return false;
  }
  out = std::move(*value);
  return true;
}

bool TopicList(simdjson::dom::object object, std::vector<std::string>& out, core::Error& error) {
  simdjson::dom::array array;
  if (object["topics"].get(array) != simdjson::SUCCESS) {
    error = BadMessage("\"topics\" must be an array of strings");
    return false;
  }
  for (simdjson::dom::element item : array) {
    std::string_view text;
    if (item.get(text) != simdjson::SUCCESS) {
      error = BadMessage("\"topics\" must be an array of strings");
      return false;
    }
    out.emplace_back(text);
  }
  if (out.empty()) {
    error = BadMessage("\"topics\" is empty");
    return false;
  }
  return true;
}

}  // namespace

core::Result<ClientMessage> ParseClientMessage(std::string_view text) {
  simdjson::dom::element root;
  simdjson::error_code parsed = ThreadParser().parse(text.data(), text.size()).get(root);
  // simdjson refuses numbers it cannot convert (over 64 bits, beyond a double), which JSON
  // allows. The one member whose numbers a message carries on is `data`: with a stand-in for
  // it the rest is parsed as usual, and its own text is published as written.
  std::string_view big_data;
  std::string with_stand_in;
  bool json_with_huge_number = false;
  if ((parsed == simdjson::NUMBER_ERROR || parsed == simdjson::NUMBER_OUT_OF_RANGE) &&
      IsJsonText(text)) {
    json_with_huge_number = true;
    big_data = RawMemberValue(text, "data");
    if (!big_data.empty()) {
      size_t at = static_cast<size_t>(big_data.data() - text.data());
      with_stand_in.append(text.substr(0, at))
          .append("0")
          .append(text.substr(at + big_data.size()));
      parsed = ThreadParser().parse(with_stand_in).get(root);
    }
  }
  if (parsed != simdjson::SUCCESS) {
    if (json_with_huge_number) {
      // Valid JSON all the same: say what is wrong with it rather than call it invalid.
      return BadMessage(
          "a number outside \"data\" is beyond 64 bits or a double; only \"data\" may carry "
          "such numbers");
    }
    return core::Error{"bad_json", "message is not valid JSON"};
  }
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) {
    return core::Error{"bad_json", "message must be a JSON object"};
  }
  std::string_view type;
  if (object["type"].get(type) != simdjson::SUCCESS) {
    return BadMessage("\"type\" is required and must be a string");
  }
  ClientMessage message;
  core::Error error;
  if (type == "subscribe" || type == "unsubscribe") {
    message.type =
        type == "subscribe" ? ClientMessage::Type::kSubscribe : ClientMessage::Type::kUnsubscribe;
    if (!TopicList(object, message.topics, error)) return error;
    if (message.type == ClientMessage::Type::kSubscribe &&
        !OptionalString(object, "since", message.since, error)) {
      return error;
    }
    return message;
  }
  if (type == "publish") {
    message.type = ClientMessage::Type::kPublish;
    if (!RequiredString(object, "topic", message.topic, error)) return error;
    if (!OptionalString(object, "ref", message.ref, error)) return error;
    if (!OptionalString(object, "client_id", message.client_id, error)) return error;
    simdjson::dom::element data;
    if (object["data"].get(data) != simdjson::SUCCESS) return BadMessage("\"data\" is required");
    std::string_view data_text;
    if (!big_data.empty()) {
      message.payload = Minified(big_data);
    } else if (data.get(data_text) == simdjson::SUCCESS) {
      message.payload = std::string(data_text);  // a JSON string publishes its text
    } else {
      // Any other value: its compact JSON text, as sent but for whitespace.
      std::string_view raw = RawMemberValue(text, "data");
      message.payload = raw.empty() ? simdjson::minify(data) : Minified(raw);
    }
    simdjson::dom::element retain;
    if (object["retain"].get(retain) == simdjson::SUCCESS) {
      bool value = true;
      if (retain.get(value) != simdjson::SUCCESS) return BadMessage("\"retain\" must be a boolean");
      message.retain = value;
    }
    return message;
  }
  if (type == "ack") {
    message.type = ClientMessage::Type::kAck;
    if (!RequiredString(object, "id", message.id, error)) return error;
    if (!OptionalString(object, "client_id", message.client_id, error)) return error;
    return message;
  }
  return core::Error{"unknown_type", "unknown message type \"" + std::string(type) + "\""};
}

std::optional<std::string> RefOfRefusedMessage(std::string_view text) {
  simdjson::dom::element root;
  simdjson::dom::object object;
  std::string_view ref;
  if (ThreadParser().parse(text.data(), text.size()).get(root) != simdjson::SUCCESS ||
      root.get(object) != simdjson::SUCCESS || object["ref"].get(ref) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return std::string(ref);
}

}  // namespace herald::proto::json
