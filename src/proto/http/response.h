#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::proto::http {

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Length is added
  std::string body;
};

// "OK", "Not Found", ...; "Unknown" for a status without a phrase here.
std::string_view ReasonPhrase(int status);

// HTTP/1.1 status line, headers (plus Content-Length and, when !keep_alive, "Connection: close"),
// blank line and body. With `head_only` the body is left out but Content-Length kept (HEAD).
std::string SerializeResponse(const Response& response, bool keep_alive, bool head_only = false);

// Status line and headers only, for a response whose body streams after it (SSE, 101).
std::string SerializeHead(int status,
                          const std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace herald::proto::http
