// Fuzz target for ParseRequest, and ParseTarget on each request-target it accepts. Beyond not
// crashing, it checks the stateless contract a connection relies on: any prefix of the input
// either asks for more or gives exactly the answer the whole input gives, and what follows a
// request (input[consumed..]) parses as the next pipelined request.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "proto/http/request.h"
#include "proto/http/url.h"

namespace {

using herald::proto::http::ParseRequest;
using herald::proto::http::ParseResult;
using herald::proto::http::ParseTarget;
using herald::proto::http::RequestLimits;
using herald::proto::http::Target;
using Kind = ParseResult::Kind;

// Prefix checks cost O(size^2); larger inputs are still parsed whole and as a pipeline.
constexpr size_t kMaxPrefixCheckedBytes = 4096;

// Small limits so that every refusal is reachable from short inputs.
constexpr RequestLimits kSmallLimits{
    .max_target_bytes = 64, .max_header_bytes = 256, .max_headers = 8, .max_body_bytes = 256};

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "http_request_fuzz invariant broken: %s\n", what);
  std::abort();
}

bool SameAnswer(const ParseResult& a, const ParseResult& b) {
  return a.kind == b.kind && a.consumed == b.consumed && a.error.status == b.error.status &&
         a.error.message == b.error.message && a.request.method == b.request.method &&
         a.request.target == b.request.target &&
         a.request.version_minor == b.request.version_minor &&
         a.request.headers == b.request.headers && a.request.body == b.request.body &&
         a.request.keep_alive == b.request.keep_alive;
}

void CheckTarget(std::string_view raw) {
  std::optional<Target> target = ParseTarget(raw);
  if (!target) return;
  Check(!target->path.empty() && target->path.front() == '/', "decoded path starts with '/'");
  Check(target->path.size() <= raw.size(), "decoding never grows the path");
  for (const auto& [key, value] : target->query) {
    Check(target->Query(key) != nullptr, "every query key is found");
  }
}

ParseResult CheckedParse(std::string_view input, const RequestLimits& limits) {
  ParseResult result = ParseRequest(input, limits);
  Check(result.consumed <= input.size(), "consumed <= size");
  switch (result.kind) {
    case Kind::kNeedMore:
      Check(result.consumed == 0, "kNeedMore consumes nothing");
      break;
    case Kind::kError: {
      int status = result.error.status;
      Check(status == 400 || status == 413 || status == 414 || status == 431 || status == 501 ||
                status == 505,
            "error status is one the header lists");
      Check(!result.error.message.empty(), "error has a message");
      break;
    }
    case Kind::kRequest: {
      const auto& request = result.request;
      Check(result.consumed > 0, "kRequest consumes bytes");
      Check(!request.method.empty() && !request.target.empty(), "method and target are set");
      Check(request.target.size() <= limits.max_target_bytes, "target within its limit");
      Check(request.headers.size() <= limits.max_headers, "header count within its limit");
      Check(request.body.size() <= limits.max_body_bytes, "body within its limit");
      Check(request.version_minor == 0 || request.version_minor == 1, "HTTP/1.0 or 1.1");
      for (const auto& [name, value] : request.headers) {
        for (char c : name) Check(c < 'A' || c > 'Z', "header names are lower-cased");
        Check(request.Find(name) != nullptr, "every header is found by name");
      }
      CheckTarget(request.target);
      break;
    }
  }
  return result;
}

void CheckPrefixes(std::string_view input, const RequestLimits& limits, const ParseResult& whole) {
  bool answered = false;
  for (size_t n = 0; n < input.size(); ++n) {
    ParseResult part = CheckedParse(input.substr(0, n), limits);
    if (part.kind == Kind::kNeedMore) {
      Check(!answered, "no kNeedMore once a shorter prefix was answered");
      continue;
    }
    answered = true;
    Check(SameAnswer(part, whole), "a prefix's answer is the whole input's answer");
  }
}

void Run(std::string_view input, const RequestLimits& limits) {
  ParseResult whole = CheckedParse(input, limits);
  if (input.size() <= kMaxPrefixCheckedBytes) CheckPrefixes(input, limits, whole);
  std::string_view rest = input;
  for (ParseResult result = whole; result.kind == Kind::kRequest;
       result = CheckedParse(rest, limits)) {
    rest.remove_prefix(result.consumed);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Run(input, kSmallLimits);
  Run(input, RequestLimits{});
  return 0;
}
