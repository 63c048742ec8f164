#include "proto/http/response.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::proto::http {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

// Names and values come from handlers, some built from request data: CR, LF and NUL become a
// space so that no value can end the head early and smuggle in a header or a second response.
void AppendFieldText(std::string& out, std::string_view text) {
  for (char c : text) out.push_back(c == '\r' || c == '\n' || c == '\0' ? ' ' : c);
}

void AppendStatusLine(std::string& out, int status) {
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += ReasonPhrase(status);
  out += "\r\n";
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  AppendFieldText(out, name);
  out += ": ";
  AppendFieldText(out, value);
  out += "\r\n";
}

// RFC 9110 8.6: no Content-Length on 1xx or 204. On 304 it would describe the selected
// representation, which an empty body here does not, so it is left out too; all three have no body.
bool HasNoContent(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

size_t HeadSize(const Headers& headers) {
  size_t size = 64;  // status line, Content-Length, Connection and the blank line
  for (const auto& [name, value] : headers) size += name.size() + value.size() + 4;
  return size;
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  // RFC 9110 15 wording.
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string SerializeResponse(const Response& response, bool keep_alive, bool head_only) {
  const bool no_content = HasNoContent(response.status);
  std::string out;
  out.reserve(HeadSize(response.headers) + (head_only || no_content ? 0 : response.body.size()));
  AppendStatusLine(out, response.status);
  for (const auto& [name, value] : response.headers) {
    // Framing and persistence are decided here; a handler's own copy would contradict them.
    if (EqualsIgnoreCase(name, "content-length")) continue;
    if (!keep_alive && EqualsIgnoreCase(name, "connection")) continue;
    AppendField(out, name, value);
  }
  if (!no_content) AppendField(out, "Content-Length", std::to_string(response.body.size()));
  if (!keep_alive) AppendField(out, "Connection", "close");
  out += "\r\n";
  if (!head_only && !no_content) out += response.body;
  return out;
}

std::string SerializeHead(int status, const Headers& headers) {
  std::string out;
  out.reserve(HeadSize(headers));
  AppendStatusLine(out, status);
  for (const auto& [name, value] : headers) AppendField(out, name, value);
  out += "\r\n";
  return out;
}

}  // namespace herald::proto::http
