#include "proto/sse/encoder.h"

namespace herald::proto::sse {

std::string EncodeEvent(std::string_view id, std::string_view event, std::string_view data) {
  std::string out;
  out.reserve(data.size() + id.size() + event.size() + 24);
  if (!event.empty()) {
    out.append("event: ").append(event).push_back('\n');
  }
  if (!id.empty()) {
    out.append("id: ").append(id).push_back('\n');
  }
  // Each line of data gets its own "data:" field; the browser joins them with '\n'.
  size_t start = 0;
  while (true) {
    size_t end = data.find_first_of("\r\n", start);
    out.append("data: ").append(data.substr(start, end - start)).push_back('\n');
    if (end == std::string_view::npos) break;
    start = end + ((data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1);
  }
  out.push_back('\n');
  return out;
}

std::string EncodeComment(std::string_view text) {
  std::string out(": ");
  out.append(text).append("\n\n");
  return out;
}

std::string EncodeRetry(int retry_ms) { return "retry: " + std::to_string(retry_ms) + "\n\n"; }

}  // namespace herald::proto::sse
