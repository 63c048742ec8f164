#pragma once

#include <string>

#include "core/event.h"

namespace herald::proto::json {

// {"topic":...,"id":"<epoch>:<seq>","data":...}: the body of an SSE event and of a REST item.
std::string EventObject(const core::Event& event);
void AppendEventObject(std::string& out, const core::Event& event);

// {"type":"event","topic":...,"id":...,"data":...}: a WebSocket event message.
std::string WsEventMessage(const core::Event& event);

}  // namespace herald::proto::json
