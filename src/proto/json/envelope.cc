#include "proto/json/envelope.h"

#include "proto/json/payload.h"
#include "proto/json/writer.h"

namespace herald::proto::json {
namespace {

void AppendBody(std::string& out, const core::Event& event) {
  out.append("\"topic\":");
  AppendString(out, event.topic);
  out.append(",\"id\":\"");
  out.append(event.epoch);
  out.push_back(':');
  out.append(std::to_string(event.seq));
  out.push_back('"');
  AppendPayloadField(out, event.payload);
}

}  // namespace

void AppendEventObject(std::string& out, const core::Event& event) {
  out.push_back('{');
  AppendBody(out, event);
  out.push_back('}');
}

std::string EventObject(const core::Event& event) {
  std::string out;
  out.reserve(event.payload.size() + event.topic.size() + 64);
  AppendEventObject(out, event);
  return out;
}

std::string WsEventMessage(const core::Event& event) {
  std::string out;
  out.reserve(event.payload.size() + event.topic.size() + 80);
  out.append("{\"type\":\"event\",");
  AppendBody(out, event);
  out.push_back('}');
  return out;
}

}  // namespace herald::proto::json
