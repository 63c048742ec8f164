#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::proto::http {

// Limits for one request; each refusal maps to an HTTP status (see ParseError).
struct RequestLimits {
  size_t max_target_bytes = 8 * 1024;   // request-target; longer → 414
  size_t max_header_bytes = 16 * 1024;  // request line + headers; more → 431
  size_t max_headers = 100;             // header fields; more → 431
  size_t max_body_bytes = 1024 * 1024;  // Content-Length or chunked total; more → 413
};

struct Request {
  std::string method;     // as sent, e.g. "GET"
  std::string target;     // raw request-target, still percent-encoded: "/api/state/a%2F%23?x=1"
  int version_minor = 1;  // HTTP/1.<minor>; only 1.0 and 1.1 are accepted
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  std::string body;                                          // de-chunked
  bool keep_alive = true;                                    // from version and Connection header

  // First header named `lower_name`, or nullptr.
  const std::string* Find(std::string_view lower_name) const;
};

struct ParseError {
  int status = 400;     // HTTP status to answer with: 400, 413, 414, 417, 431, 501 or 505
  std::string message;  // for the error body: "header line 3 has no colon"
};

struct ParseResult {
  enum class Kind : unsigned char { kNeedMore, kRequest, kError };
  Kind kind = Kind::kNeedMore;
  size_t consumed = 0;  // bytes of `input` that made up the request (kRequest only)
  Request request;      // kRequest only
  ParseError error;     // kError only
  // kNeedMore only: the headers are complete, the body is not, and the client waits for
  // "100 Continue" before sending it (RFC 9110 10.1.1, Expect: 100-continue).
  bool expects_continue = false;
};

// Parses one HTTP/1.x request from the start of `input`. Stateless: on kNeedMore the caller keeps
// the bytes and calls again with more appended. Bodies: Content-Length or chunked (trailers
// skipped); a request with both is refused. Errors are returned as soon as they are certain, so
// an oversize header or body is refused before it has all arrived.
ParseResult ParseRequest(std::string_view input, const RequestLimits& limits);

}  // namespace herald::proto::http
