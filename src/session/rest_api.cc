#include "session/rest_api.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "core/event_id.h"
#include "core/topic.h"
#include "node/node.h"
#include "node/publish_dedup.h"
#include "proto/json/envelope.h"
#include "proto/json/writer.h"
#include "session/publish_rules.h"

namespace herald::session {

namespace http = proto::http;

namespace {

constexpr std::string_view kPublishPrefix = "/api/publish/";
constexpr std::string_view kStatePrefix = "/api/state/";
constexpr std::string_view kHistoryPrefix = "/api/history/";
constexpr size_t kDefaultHistoryLimit = 100;
constexpr size_t kMaxHistoryLimit = 1000;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

http::Response JsonResponse(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

http::Response MethodNotAllowed(std::string_view allow) {
  http::Response response = ErrorResponse(405, "method_not_allowed", "use " + std::string(allow));
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

void AppendItems(std::string& out, const std::vector<core::EventPtr>& events) {
  out += "\"items\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) out.push_back(',');
    proto::json::AppendEventObject(out, *events[i]);
  }
  out += "]";
}

bool EtagMatches(const std::string* if_none_match, const std::string& etag) {
  if (if_none_match == nullptr) return false;
  if (*if_none_match == "*") return true;
  // A list of entity tags; a weak comparison is enough for 304 (RFC 9110 13.1.2).
  return if_none_match->find(etag) != std::string::npos;
}

void HandleState(node::Shard& shard, const http::Request& request, std::string_view filter,
                 const Respond& respond) {
  if (auto error = core::FilterError(filter)) {
    respond(ErrorResponse(400, "invalid_filter", *error));
    return;
  }
  core::StateTable::Snapshot snapshot = shard.node().state().Query({std::string(filter)});
  char fingerprint[17];
  std::snprintf(fingerprint, sizeof fingerprint, "%016llx",
                static_cast<unsigned long long>(snapshot.fingerprint));
  // The epoch is part of the tag: the same rows in a new log lifetime are a different state.
  std::string etag = "\"" + shard.node().epoch() + "-" + fingerprint + "\"";
  http::Response response;
  if (EtagMatches(request.Find("if-none-match"), etag)) {
    response.status = 304;
  } else {
    std::string body = "{";
    AppendItems(body, snapshot.rows);
    body += "}";
    response = JsonResponse(200, std::move(body));
  }
  response.headers.emplace_back("ETag", etag);
  // CDNs may serve a state for a second and revalidate in the background: polling storms
  // collapse into about one request per second per filter at the origin.
  response.headers.emplace_back("Cache-Control", "public, max-age=1, stale-while-revalidate=5");
  respond(std::move(response));
}

void HandleHistory(node::Shard& shard, const http::Target& target, std::string_view filter,
                   const Respond& respond) {
  if (auto error = core::FilterError(filter)) {
    respond(ErrorResponse(400, "invalid_filter", *error));
    return;
  }
  size_t limit = kDefaultHistoryLimit;
  if (const std::string* text = target.Query("limit")) {
    size_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    // Digits beyond size_t are a limit above the cap like any other, not an error.
    if (ec == std::errc::result_out_of_range && end == text->data() + text->size()) {
      value = kMaxHistoryLimit;
      ec = std::errc();
    }
    if (ec != std::errc() || end != text->data() + text->size() || value == 0) {
      respond(ErrorResponse(400, "invalid_limit", "limit must be a number from 1 to 1000"));
      return;
    }
    limit = std::min(value, kMaxHistoryLimit);
  }
  std::vector<std::string> filters = {std::string(filter)};
  node::Node& node = shard.node();
  core::History::Page page;
  if (const std::string* since_text = target.Query("since")) {
    auto since = core::ParseEventId(*since_text);
    if (!since) {
      respond(ErrorResponse(400, "invalid_since", "since must be an id \"<epoch>:<seq>\""));
      return;
    }
    if (since->epoch != node.epoch()) {
      page.complete = false;  // another log lifetime: nothing here follows that id
    } else {
      page = node.history().After(filters, since->seq, limit);
      if (since->seq > page.last_seq) {
        page.items.clear();
        page.complete = false;
      }
    }
  } else {
    page = node.history().Latest(filters, limit);
  }
  std::string body = "{";
  AppendItems(body, page.items);
  body += ",\"complete\":";
  body += page.complete ? "true" : "false";
  body += ",\"more\":";
  body += page.more ? "true" : "false";
  body += "}";
  http::Response response = JsonResponse(200, std::move(body));
  response.headers.emplace_back("Cache-Control", "no-cache");
  respond(std::move(response));
}

void HandlePublish(node::Shard& shard, const SessionConfig& config, const http::Request& request,
                   const http::Target& target, std::string_view topic, Respond respond) {
  if (auto error = core::TopicError(topic)) {
    shard.metrics().publishes_refused.Add(1);
    respond(ErrorResponse(400, "invalid_topic", *error));
    return;
  }
  PublishRules rules = RulesFor(shard.node(), config, topic);
  if (request.body.size() > rules.max_payload_bytes) {
    shard.metrics().publishes_refused.Add(1);
    respond(ErrorResponse(
        413, "payload_too_large",
        "payload over " + std::to_string(rules.max_payload_bytes) + " bytes for this topic"));
    return;
  }
  bool retain = rules.retain_by_default;
  if (const std::string* value = target.Query("retain")) {
    if (*value == "false" || *value == "0") {
      retain = false;
    } else if (*value == "true" || *value == "1") {
      retain = true;
    } else {
      respond(ErrorResponse(400, "bad_request", "retain must be true or false"));
      return;
    }
  }
  std::string topic_text(topic);
  node::PublishRequest publish{topic_text, request.body, retain, 0};
  node::Shard* from = &shard;
  // A retried publish with the same Idempotency-Key gets the id of the first one.
  const std::string* idempotency_key = request.Find("idempotency-key");
  if (idempotency_key != nullptr && idempotency_key->size() > node::PublishDedup::kMaxKeyBytes) {
    shard.metrics().publishes_refused.Add(1);
    respond(ErrorResponse(
        400, "invalid_idempotency_key",
        "Idempotency-Key over " + std::to_string(node::PublishDedup::kMaxKeyBytes) + " bytes"));
    return;
  }
  std::string dedup_key = idempotency_key != nullptr && !idempotency_key->empty()
                              ? "rest:" + *idempotency_key
                              : std::string();
  shard.node().PublishOnce(
      shard, dedup_key, std::move(publish),
      [from, topic_text, respond = std::move(respond)](core::Result<node::PublishAck> result) {
        if (!result) {
          from->metrics().publishes_refused.Add(1);
          bool overloaded = result.error().code == "overloaded";
          http::Response response =
              ErrorResponse(overloaded ? 429 : 503, result.error().code, result.error().message);
          if (overloaded) response.headers.emplace_back("Retry-After", "1");
          respond(std::move(response));
          return;
        }
        std::string body =
            "{\"id\":\"" + core::FormatEventId(result->epoch, result->seq) + "\",\"topic\":";
        proto::json::AppendString(body, topic_text);
        body += "}";
        respond(JsonResponse(200, std::move(body)));
      });
}

}  // namespace

http::Response ErrorResponse(int status, std::string_view code, std::string_view message) {
  std::string body = "{\"error\":{\"code\":";
  proto::json::AppendString(body, code);
  body += ",\"message\":";
  proto::json::AppendString(body, message);
  body += "}}";
  return JsonResponse(status, std::move(body));
}

bool OriginAllowed(const std::vector<std::string>& allowed, const std::string& origin) {
  return std::find(allowed.begin(), allowed.end(), "*") != allowed.end() ||
         std::find(allowed.begin(), allowed.end(), origin) != allowed.end();
}

std::vector<std::pair<std::string, std::string>> CorsHeaders(const SessionConfig& config,
                                                             const http::Request& request) {
  const std::string* origin = request.Find("origin");
  if (origin == nullptr) return {};
  const auto& allowed = config.cors_allowed_origins;
  if (!OriginAllowed(allowed, *origin)) return {};
  bool any = std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
  return {{"Access-Control-Allow-Origin", any ? "*" : *origin},
          {"Vary", "Origin"},
          {"Access-Control-Expose-Headers", "ETag, Retry-After"}};
}

void HandleRestRequest(node::Shard& shard, const SessionConfig& config,
                       const http::Request& request, const http::Target& target, Respond respond) {
  const std::string& path = target.path;
  const std::string& method = request.method;
  bool get = method == "GET" || method == "HEAD";
  if (method == "OPTIONS") {
    http::Response response;
    response.status = 204;
    response.headers = {{"Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS"},
                        {"Access-Control-Allow-Headers",
                         "Content-Type, If-None-Match, Last-Event-ID, Idempotency-Key"},
                        {"Access-Control-Max-Age", "600"}};
    respond(std::move(response));
    return;
  }
  if (StartsWith(path, kPublishPrefix)) {
    if (method != "POST") return respond(MethodNotAllowed("POST"));
    return HandlePublish(shard, config, request, target, path.substr(kPublishPrefix.size()),
                         std::move(respond));
  }
  if (StartsWith(path, kStatePrefix)) {
    if (!get) return respond(MethodNotAllowed("GET, HEAD"));
    return HandleState(shard, request, std::string_view(path).substr(kStatePrefix.size()), respond);
  }
  if (StartsWith(path, kHistoryPrefix)) {
    if (!get) return respond(MethodNotAllowed("GET, HEAD"));
    return HandleHistory(shard, target, std::string_view(path).substr(kHistoryPrefix.size()),
                         respond);
  }
  if (path == "/healthz") {
    if (!get) return respond(MethodNotAllowed("GET, HEAD"));
    return respond(JsonResponse(200, "{\"status\":\"ok\"}"));
  }
  if (path == "/readyz") {
    if (!get) return respond(MethodNotAllowed("GET, HEAD"));
    std::string reason = shard.node().ready() ? shard.node().UnavailableReason() : "shutting down";
    if (reason.empty()) return respond(JsonResponse(200, "{\"ready\":true}"));
    std::string body = "{\"ready\":false,\"reason\":";
    proto::json::AppendString(body, reason);
    body += "}";
    return respond(JsonResponse(503, std::move(body)));
  }
  if (path == "/metrics") {
    if (!get) return respond(MethodNotAllowed("GET, HEAD"));
    http::Response response;
    response.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"},
                        {"Cache-Control", "no-store"}};
    response.body = shard.node().RenderMetrics();
    return respond(std::move(response));
  }
  if (const StaticFile* file = FindStaticFile(config.static_files, path)) {
    if (!get) return respond(MethodNotAllowed("GET, HEAD"));
    http::Response response;
    response.headers = {{"Content-Type", std::string(ContentTypeFor(path))},
                        {"Cache-Control", "no-cache"}};
    response.body = std::string(file->bytes);
    return respond(std::move(response));
  }
  respond(ErrorResponse(404, "not_found", "no resource at " + path));
}

}  // namespace herald::session
