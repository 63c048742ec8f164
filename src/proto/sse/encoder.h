#pragma once

#include <string>
#include <string_view>

namespace herald::proto::sse {

// One Server-Sent Event: optional "event:" name, "id:" and one "data:" line per line of `data`,
// ending with a blank line. `id` and `event` must not contain CR or LF.
std::string EncodeEvent(std::string_view id, std::string_view event, std::string_view data);

// ": <text>\n\n", a comment that keeps proxies from timing the stream out.
std::string EncodeComment(std::string_view text);

// "retry: <ms>\n\n", how long the browser waits before reconnecting.
std::string EncodeRetry(int retry_ms);

}  // namespace herald::proto::sse
