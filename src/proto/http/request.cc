#include "proto/http/request.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/hex.h"

namespace herald::proto::http {

const std::string* Request::Find(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

// Every check below looks only at bytes that have arrived and reads them left to right, so a
// prefix of the input is refused exactly when, and exactly as, the whole input would be: an
// error is returned only once certain, and kNeedMore never hides one that has arrived.
namespace {

constexpr size_t kNpos = std::string_view::npos;
// 16 hex digits hold any 64-bit size; longer sizes (even zero-padded) come from no real client.
constexpr size_t kMaxChunkSizeDigits = 16;
// Chunk extensions are ignored, yet still bytes the peer may stream without end; capped as
// Node does since CVE-2024-22019.
constexpr size_t kMaxChunkExtensionBytes = 16 * 1024;

using Fields = std::vector<std::pair<std::string, std::string>>;

ParseResult Fail(int status, std::string message) {
  ParseResult result;
  result.kind = ParseResult::Kind::kError;
  result.error = ParseError{status, std::move(message)};
  return result;
}

ParseResult Fail(ParseError error) { return Fail(error.status, std::move(error.message)); }

// RFC 9110 5.6.2 tchar.
bool IsTokenChar(char ch) {
  unsigned char c = static_cast<unsigned char>(ch);
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(ch) != kNpos;
}

bool IsVisible(char ch) {
  unsigned char c = static_cast<unsigned char>(ch);
  return c > 0x20 && c < 0x7f;
}

// RFC 9110 5.5: field-vchar (VCHAR and obs-text), SP and HTAB; no other control characters.
bool IsFieldValueChar(char ch) {
  unsigned char c = static_cast<unsigned char>(ch);
  return c == '\t' || c == ' ' || IsVisible(ch) || c >= 0x80;
}

bool IsWhitespace(char c) { return c == ' ' || c == '\t'; }

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ToLowerAscii(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

std::string_view TrimWhitespace(std::string_view text) {
  while (!text.empty() && IsWhitespace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsWhitespace(text.back())) text.remove_suffix(1);
  return text;
}

// Calls `visit` with each trimmed, non-empty element of a comma-separated list (RFC 9110 5.6.1:
// empty elements are ignored).
template <typename Visit>
void ForEachListElement(std::string_view list, Visit visit) {
  while (true) {
    size_t comma = list.find(',');
    std::string_view element = TrimWhitespace(list.substr(0, comma));
    if (!element.empty()) visit(element);
    if (comma == kNpos) return;
    list.remove_prefix(comma + 1);
  }
}

// One line of input without its terminator. RFC 9112 2.2 lets a recipient take a bare LF as
// the end of a line. An unfinished line that ends in CR leaves the CR out: it may start a CRLF.
struct Line {
  std::string_view text;
  size_t next = 0;        // offset just past the terminator; complete lines only
  bool complete = false;  // terminator seen
};

Line NextLine(std::string_view input, size_t pos) {
  Line line;
  size_t lf = input.find('\n', pos);
  line.complete = lf != kNpos;
  size_t end = line.complete ? lf : input.size();
  line.next = line.complete ? lf + 1 : input.size();
  if (end > pos && input[end - 1] == '\r') --end;
  line.text = input.substr(pos, end - pos);
  return line;
}

struct RequestLine {
  std::optional<ParseError> error;
  std::string_view method;  // these three are set only for a complete line
  std::string_view target;
  int version_minor = 1;
};

// RFC 9112 3: method SP request-target SP HTTP-version, checked as far as it has arrived.
RequestLine ParseRequestLine(const Line& line, const RequestLimits& limits) {
  RequestLine out;
  auto fail = [&out](int status, std::string message) {
    out.error = ParseError{status, std::move(message)};
    return out;
  };
  std::string_view text = line.text;
  size_t i = 0;
  for (; i < text.size() && text[i] != ' '; ++i) {
    if (!IsTokenChar(text[i])) return fail(400, "request line: invalid character in method");
  }
  if (i == 0 && !text.empty()) return fail(400, "request line: empty method");
  if (i == text.size()) return line.complete ? fail(400, "request line has no target") : out;
  out.method = text.substr(0, i);

  size_t target_start = ++i;
  for (; i < text.size() && text[i] != ' '; ++i) {
    if (!IsVisible(text[i])) return fail(400, "request line: invalid character in target");
    if (i - target_start + 1 > limits.max_target_bytes) {
      return fail(
          414, "request target longer than " + std::to_string(limits.max_target_bytes) + " bytes");
    }
  }
  if (i == target_start && (i < text.size() || line.complete)) {
    return fail(400, "request line: empty target");
  }
  if (i == text.size()) return line.complete ? fail(400, "request line has no version") : out;
  out.target = text.substr(target_start, i - target_start);

  constexpr std::string_view kShape = "HTTP/#.#";  // '#' stands for a digit
  std::string_view version = text.substr(i + 1);
  bool shaped =
      version.size() <= kShape.size() && (!line.complete || version.size() == kShape.size());
  for (size_t k = 0; shaped && k < version.size(); ++k) {
    shaped = kShape[k] == '#' ? (version[k] >= '0' && version[k] <= '9') : version[k] == kShape[k];
  }
  if (!shaped) return fail(400, "request line: malformed HTTP version");
  if (!line.complete) return out;
  if (version[5] != '1' || version[7] > '1') {
    return fail(505, "HTTP version " + std::string(version.substr(5)) + " is not supported");
  }
  out.version_minor = version[7] - '0';
  return out;
}

struct FieldLine {
  std::optional<ParseError> error;
  std::string_view name;  // name and value are set only for a complete line
  std::string_view value;
};

// RFC 9112 5: field-name ":" OWS field-value OWS. `what` and `number` name the line in errors.
FieldLine ParseFieldLine(const Line& line, std::string_view what, size_t number) {
  FieldLine out;
  auto fail = [&](std::string problem) {
    out.error = ParseError{400, std::string(what) + " line " + std::to_string(number) + problem};
    return out;
  };
  std::string_view text = line.text;
  size_t colon = 0;
  // RFC 9112 5.1: whitespace between name and colon must be refused; it is not a tchar.
  for (; colon < text.size() && text[colon] != ':'; ++colon) {
    if (!IsTokenChar(text[colon])) return fail(": invalid character in field name");
  }
  if (colon == 0 && !text.empty()) return fail(" has an empty field name");
  for (size_t i = colon + 1; i < text.size(); ++i) {
    if (!IsFieldValueChar(text[i])) return fail(": invalid character in field value");
  }
  if (!line.complete) return out;
  if (colon == text.size()) return fail(" has no colon");
  out.name = text.substr(0, colon);
  out.value = TrimWhitespace(text.substr(colon + 1));
  return out;
}

struct FieldSection {
  std::optional<ParseError> error;
  bool complete = false;  // blank line seen
  size_t end = 0;         // offset just past the blank line
  Fields fields;          // names lower-cased
};

// Field lines from `pos` through the blank line. `input` is already cut at the section's byte
// limit; the caller decides whether unfinished means kNeedMore or 431.
FieldSection ParseFieldSection(std::string_view input, size_t pos, const RequestLimits& limits,
                               std::string_view what) {
  FieldSection out;
  while (true) {
    Line line = NextLine(input, pos);
    if (line.text.empty()) {
      if (line.complete) {
        out.complete = true;
        out.end = line.next;
      }
      return out;
    }
    size_t number = out.fields.size() + 1;
    if (IsWhitespace(line.text.front())) {
      // RFC 9112 5.2: obs-fold may be refused with 400; so may whitespace before the first field.
      out.error = ParseError{400, std::string(what) + " line " + std::to_string(number) +
                                      " starts with whitespace (line folding is refused)"};
      return out;
    }
    if (out.fields.size() == limits.max_headers) {
      out.error = ParseError{431, "more than " + std::to_string(limits.max_headers) + " " +
                                      std::string(what) + " fields"};
      return out;
    }
    FieldLine field = ParseFieldLine(line, what, number);
    if (field.error) {
      out.error = std::move(field.error);
      return out;
    }
    if (!line.complete) return out;
    out.fields.emplace_back(ToLower(field.name), std::string(field.value));
    pos = line.next;
  }
}

struct Framing {
  enum class Kind : unsigned char { kNone, kLength, kChunked };
  std::optional<ParseError> error;
  Kind kind = Kind::kNone;
  size_t length = 0;  // kLength only
};

// RFC 9110 8.6: 1*DIGIT; a list of identical values ("42, 42") may stand for one.
Framing ReadContentLength(const std::vector<std::string_view>& values,
                          const RequestLimits& limits) {
  Framing out;
  out.kind = Framing::Kind::kLength;
  std::optional<std::string_view> first;  // leading zeros removed, so "042" equals "42"
  bool malformed = false;
  bool differ = false;
  for (std::string_view value : values) {
    size_t start = 0;
    while (true) {
      size_t comma = value.find(',', start);
      std::string_view element = TrimWhitespace(value.substr(start, comma - start));
      if (element.empty()) malformed = true;
      for (char c : element) malformed = malformed || c < '0' || c > '9';
      while (element.size() > 1 && element.front() == '0') element.remove_prefix(1);
      if (!first) first = element;
      differ = differ || element != *first;
      if (comma == kNpos) break;
      start = comma + 1;
    }
  }
  if (malformed) out.error = ParseError{400, "Content-Length is not a decimal number"};
  if (!malformed && differ) out.error = ParseError{400, "Content-Length values differ"};
  if (out.error) return out;
  for (char c : *first) {
    size_t digit = static_cast<size_t>(c - '0');
    if (digit > limits.max_body_bytes || out.length > (limits.max_body_bytes - digit) / 10) {
      out.error = ParseError{413, "Content-Length is over the limit of " +
                                      std::to_string(limits.max_body_bytes) + " bytes"};
      return out;
    }
    out.length = out.length * 10 + digit;
  }
  return out;
}

// RFC 9112 6.1 and 6.3: chunked must be the final coding of a request (else its length is
// unknowable: 400); other codings before it are ones Herald does not decode (501).
Framing ReadTransferEncoding(const std::vector<std::string_view>& values, int version_minor) {
  Framing out;
  out.kind = Framing::Kind::kChunked;
  auto fail = [&out](int status, std::string message) {
    out.error = ParseError{status, std::move(message)};
    return out;
  };
  // RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
  if (version_minor == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
  std::vector<std::string_view> codings;
  for (std::string_view value : values) {
    ForEachListElement(value, [&codings](std::string_view c) { codings.push_back(c); });
  }
  if (codings.empty()) return fail(400, "Transfer-Encoding names no coding");
  if (!EqualsIgnoreCase(codings.back(), "chunked")) {
    return fail(400, "chunked is not the final transfer coding");
  }
  for (size_t i = 0; i + 1 < codings.size(); ++i) {
    if (EqualsIgnoreCase(codings[i], "chunked")) return fail(400, "chunked is applied twice");
  }
  if (codings.size() > 1) {
    return fail(501, "transfer coding " + std::string(codings.front()) + " is not supported");
  }
  return out;
}

// Works out how the body is delimited, and refuses what cannot be delimited safely.
Framing ReadFraming(const Request& request, const RequestLimits& limits) {
  std::vector<std::string_view> lengths;
  std::vector<std::string_view> codings;
  size_t hosts = 0;
  for (const auto& [name, value] : request.headers) {
    if (name == "content-length") lengths.push_back(value);
    if (name == "transfer-encoding") codings.push_back(value);
    if (name == "host") ++hosts;
  }
  Framing out;
  // RFC 9112 3.2: more than one Host must be answered with 400.
  if (hosts > 1) out.error = ParseError{400, "more than one Host header"};
  // RFC 9112 6.3: both at once is a request-smuggling vector; refuse rather than pick one.
  if (!lengths.empty() && !codings.empty()) {
    out.error = ParseError{400, "both Content-Length and Transfer-Encoding"};
  }
  if (out.error) return out;
  if (!codings.empty()) return ReadTransferEncoding(codings, request.version_minor);
  if (!lengths.empty()) return ReadContentLength(lengths, limits);
  return out;
}

// RFC 9110 10.1.1: 100-continue is the only expectation there is; any other is refused with 417.
// An HTTP/1.0 client cannot understand 100 Continue, so its expectation is ignored.
struct Expectation {
  std::optional<ParseError> error;
  bool continue_wanted = false;
};

Expectation ReadExpect(const Request& request) {
  Expectation out;
  for (const auto& [name, value] : request.headers) {
    if (name != "expect") continue;
    ForEachListElement(value, [&out](std::string_view token) {
      if (EqualsIgnoreCase(token, "100-continue")) {
        out.continue_wanted = true;
      } else if (!out.error) {
        out.error = ParseError{
            417, "Expect: " + std::string(token) + " is not supported (only 100-continue is)"};
      }
    });
  }
  out.continue_wanted = out.continue_wanted && request.version_minor >= 1;
  return out;
}

// Persistence (RFC 9112 9.3): HTTP/1.1 stays open unless "close"; HTTP/1.0 closes unless
// "keep-alive". "close" wins over "keep-alive".
bool KeepAlive(const Request& request) {
  bool close = false;
  bool keep_alive = false;
  for (const auto& [name, value] : request.headers) {
    if (name != "connection") continue;
    ForEachListElement(value, [&](std::string_view token) {
      close = close || EqualsIgnoreCase(token, "close");
      keep_alive = keep_alive || EqualsIgnoreCase(token, "keep-alive");
    });
  }
  if (close) return false;
  return request.version_minor >= 1 || keep_alive;
}

struct ChunkedBody {
  std::optional<ParseError> error;
  bool complete = false;
  size_t end = 0;  // offset just past the trailer section
  std::string body;
};

// RFC 9112 7.1: chunks from `pos`, each size checked against the body limit before its data
// arrives; extensions ignored; trailers (RFC 9112 7.1.2) parsed under the header limits, dropped.
ChunkedBody DecodeChunked(std::string_view input, size_t pos, const RequestLimits& limits) {
  ChunkedBody out;
  auto fail = [&out](int status, std::string message) {
    out.error = ParseError{status, std::move(message)};
    return out;
  };
  size_t extension_bytes = 0;
  const size_t body_start = pos;
  while (true) {
    // Framing (size lines, extensions, line ends) is held to the body limit too: a body of
    // 1-byte chunks with 16-digit sizes would otherwise make the session buffer, and re-decode
    // on every read, 19 bytes per byte of body.
    if (pos - body_start - out.body.size() > limits.max_body_bytes) {
      return fail(413, "chunked framing (sizes, extensions, line ends) is over " +
                           std::to_string(limits.max_body_bytes) + " bytes");
    }
    Line line = NextLine(input, pos);
    uint64_t size = 0;
    size_t digits = 0;
    while (digits < line.text.size()) {
      int value = HexValue(line.text[digits]);
      if (value < 0) break;
      if (++digits > kMaxChunkSizeDigits) return fail(400, "chunk size has over 16 hex digits");
      size = size * 16 + static_cast<uint64_t>(value);
      if (size > limits.max_body_bytes - out.body.size()) {
        return fail(413, "chunked body is over the limit of " +
                             std::to_string(limits.max_body_bytes) + " bytes");
      }
    }
    if (digits == 0 && (line.complete || !line.text.empty())) {
      return fail(400, "chunk size is not a hex number");
    }
    std::string_view rest = line.text.substr(digits);
    std::string_view after_space = TrimWhitespace(rest);
    if (!after_space.empty() && after_space.front() != ';') {
      return fail(400, "chunk size is followed by something other than an extension");
    }
    for (char c : rest) {
      if (!IsFieldValueChar(c)) return fail(400, "chunk extension has a control character");
    }
    extension_bytes += rest.size();
    if (extension_bytes > kMaxChunkExtensionBytes) {
      return fail(
          413, "chunk extensions are over " + std::to_string(kMaxChunkExtensionBytes) + " bytes");
    }
    if (!line.complete) return out;
    pos = line.next;
    if (size == 0) break;
    if (input.size() - pos < size) return out;
    out.body.append(input.substr(pos, static_cast<size_t>(size)));
    pos += static_cast<size_t>(size);
    // The data must be followed by exactly a line end (CRLF, or a bare LF).
    if (pos == input.size() || (input[pos] == '\r' && pos + 1 == input.size())) return out;
    if (input[pos] == '\n') {
      pos += 1;
    } else if (input[pos] == '\r' && input[pos + 1] == '\n') {
      pos += 2;
    } else {
      return fail(400, "chunk data is longer than its size");
    }
  }
  FieldSection trailers =
      ParseFieldSection(input.substr(pos, limits.max_header_bytes), 0, limits, "trailer");
  if (trailers.error) {
    out.error = std::move(trailers.error);
    return out;
  }
  if (!trailers.complete) {
    if (input.size() - pos >= limits.max_header_bytes) {
      return fail(431, "trailers are over " + std::to_string(limits.max_header_bytes) + " bytes");
    }
    return out;
  }
  out.complete = true;
  out.end = pos + trailers.end;
  return out;
}

}  // namespace

ParseResult ParseRequest(std::string_view input, const RequestLimits& limits) {
  // Request line and headers must end within max_header_bytes, so no more than that is read.
  const std::string_view head = input.substr(0, limits.max_header_bytes);
  auto unfinished_head = [&]() {
    if (input.size() < limits.max_header_bytes) return ParseResult{};
    return Fail(431, "request line and headers are over " +
                         std::to_string(limits.max_header_bytes) + " bytes");
  };

  Line line = NextLine(head, 0);
  // RFC 9112 2.2: a server should ignore empty lines before the request line.
  while (line.complete && line.text.empty()) line = NextLine(head, line.next);
  RequestLine request_line = ParseRequestLine(line, limits);
  if (request_line.error) return Fail(std::move(*request_line.error));
  if (!line.complete) return unfinished_head();

  FieldSection headers = ParseFieldSection(head, line.next, limits, "header");
  if (headers.error) return Fail(std::move(*headers.error));
  if (!headers.complete) return unfinished_head();

  ParseResult result;
  Request& request = result.request;
  request.method = request_line.method;
  request.target = request_line.target;
  request.version_minor = request_line.version_minor;
  request.headers = std::move(headers.fields);
  request.keep_alive = KeepAlive(request);

  Framing framing = ReadFraming(request, limits);
  if (framing.error) return Fail(std::move(*framing.error));
  Expectation expectation = ReadExpect(request);
  if (expectation.error) return Fail(std::move(*expectation.error));
  auto unfinished_body = [&]() {
    ParseResult more;
    more.expects_continue = expectation.continue_wanted;
    return more;
  };
  size_t end = headers.end;
  switch (framing.kind) {
    case Framing::Kind::kNone:
      break;
    case Framing::Kind::kLength:
      if (input.size() - end < framing.length) return unfinished_body();
      request.body = input.substr(end, framing.length);
      end += framing.length;
      break;
    case Framing::Kind::kChunked: {
      ChunkedBody chunked = DecodeChunked(input, end, limits);
      if (chunked.error) return Fail(std::move(*chunked.error));
      if (!chunked.complete) return unfinished_body();
      request.body = std::move(chunked.body);
      end = chunked.end;
      break;
    }
  }
  result.kind = ParseResult::Kind::kRequest;
  result.consumed = end;
  return result;
}

}  // namespace herald::proto::http
