#include "session/http_session.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/event_id.h"
#include "core/topic.h"
#include "proto/http/url.h"
#include "session/rest_api.h"
#include "session/sse_session.h"
#include "session/websocket_session.h"

namespace herald::session {

namespace http = proto::http;

namespace {

std::string_view ParseErrorCode(int status) {
  switch (status) {
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 417:
      return "expectation_failed";
    case 431:
      return "headers_too_large";
    case 501:
      return "not_implemented";
    case 505:
      return "http_version_not_supported";
    default:
      return "bad_request";
  }
}

}  // namespace

void HttpSession::Accept(node::Shard& shard, const SessionConfig& config, int fd,
                         const net::Endpoint& peer) {
  shard.metrics().connections_accepted.Add(1);
  std::shared_ptr<void> admission;
  if (shard.node().AcceptingConnections())
    admission = shard.node().admission().TryAdmit(peer.Host());
  if (!admission) {
    // Over the connection limit (in total or for this address): one write and a close, no
    // session. A fresh socket's buffer always takes this much.
    shard.metrics().connections_refused.Add(1);
    static const std::string kRefusal = http::SerializeResponse(
        [] {
          http::Response response =
              ErrorResponse(503, "too_many_connections", "connection limit reached; retry later");
          response.headers.emplace_back("Retry-After", "5");
          return response;
        }(),
        /*keep_alive=*/false);
    [[maybe_unused]] ssize_t written = ::send(fd, kRefusal.data(), kRefusal.size(), MSG_NOSIGNAL);
    // Unread request bytes would turn the close into a reset that can destroy the answer.
    char unread[4096];
    while (::recv(fd, unread, sizeof unread, MSG_DONTWAIT) > 0) {
    }
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
    return;
  }
  auto session = std::make_unique<HttpSession>(shard, config, fd, peer);
  session->connection_->set_admission(std::move(admission));
  HttpSession* raw = session.get();
  raw->id_ = shard.Adopt(std::move(session));
}

HttpSession::HttpSession(node::Shard& shard, const SessionConfig& config, int fd,
                         const net::Endpoint& peer)
    : shard_(shard),
      config_(config),
      connection_(std::make_unique<net::Connection>(shard.loop(), fd, peer, this)),
      deadline_ms_(shard.loop().now_ms() + config.handshake_timeout_ms),
      publish_rate_(config.max_publishes_per_second, config.publish_burst) {
  shard_.metrics().connections[static_cast<size_t>(telemetry::Protocol::kHttp)].Add(1);
  connection_->LimitKernelUnsent(config.max_unsent_socket_bytes);
}

HttpSession::~HttpSession() {
  shard_.metrics().connections[static_cast<size_t>(telemetry::Protocol::kHttp)].Add(-1);
}

void HttpSession::OnData(std::string_view bytes) {
  if (handed_over_) return;
  if (input_.empty()) deadline_ms_ = shard_.loop().now_ms() + config_.handshake_timeout_ms;
  input_.append(bytes);
  ProcessInput();
  // While a response is pending, a client that keeps pipelining is read no further than one
  // more whole request: the kernel's buffers push back on it, not our memory.
  if (awaiting_response_ &&
      input_.size() > config_.http.max_header_bytes + config_.http.max_body_bytes) {
    connection_->PauseReading();
  }
}

void HttpSession::ProcessInput() {
  // A response given while this loop runs lets it go on; only a later (asynchronous) response
  // re-enters here. Recursing per response would let a client pipelining thousands of tiny
  // requests exhaust the stack.
  if (processing_) return;
  processing_ = true;
  while (!awaiting_response_ && !handed_over_ && !input_.empty() && !connection_->closed() &&
         !connection_->closing()) {
    if (connection_->queued_bytes() > config_.max_queue_bytes) {
      // A client that pipelines requests without reading the responses: read and answer no
      // more until they drain, so the kernel's buffers push back on it, not our memory.
      output_full_ = true;
      connection_->PauseReading();
      connection_->NotifyWhenDrained();
      break;
    }
    http::ParseResult parsed = http::ParseRequest(input_, config_.http);
    if (parsed.kind == http::ParseResult::Kind::kNeedMore) {
      // Only the request at the head of the input is parsed, and only once every earlier one
      // is answered, so this interim answer cannot overtake a response.
      if (parsed.expects_continue && !continue_sent_) {
        connection_->Enqueue(std::string("HTTP/1.1 100 Continue\r\n\r\n"));
        continue_sent_ = true;
      }
      break;
    }
    if (parsed.kind == http::ParseResult::Kind::kError) {
      shard_.metrics().http_requests_refused.Add(1);
      keep_alive_ = false;
      head_only_ = false;
      cors_.clear();
      awaiting_response_ = true;
      processing_ = false;
      Respond(ErrorResponse(parsed.error.status, ParseErrorCode(parsed.error.status),
                            parsed.error.message));
      return;
    }
    Handle(std::move(parsed.request), parsed.consumed);
  }
  processing_ = false;
  if (input_.empty() && input_.capacity() > 4096) input_.shrink_to_fit();
}

void HttpSession::Handle(http::Request request, size_t consumed) {
  shard_.metrics().http_requests.Add(1);
  awaiting_response_ = true;
  continue_sent_ = false;
  keep_alive_ = request.keep_alive;
  http10_keep_alive_ = request.keep_alive && request.version_minor == 0;
  head_only_ = request.method == "HEAD";
  cors_ = CorsHeaders(config_, request);
  auto target = http::ParseTarget(request.target);
  if (!target) {
    input_.erase(0, consumed);
    Respond(ErrorResponse(400, "bad_request", "malformed request target"));
    return;
  }
  if (target->path == "/ws") {
    WebSocketSession::HandshakeError error =
        WebSocketSession::CheckHandshake(request, config_.cors_allowed_origins);
    if (error.status != 0) {
      input_.erase(0, consumed);
      http::Response response = ErrorResponse(error.status, "bad_handshake", error.message);
      if (error.status == 426) response.headers.emplace_back("Sec-WebSocket-Version", "13");
      if (error.status == 405) response.headers.emplace_back("Allow", "GET");
      Respond(std::move(response));
      return;
    }
    std::string early = input_.substr(consumed);
    input_.clear();
    UpgradeToWebSocket(request, early);
    return;
  }
  if (target->path == "/events" && request.method != "GET" && request.method != "OPTIONS") {
    input_.erase(0, consumed);
    http::Response response = ErrorResponse(405, "method_not_allowed", "use GET");
    response.headers.emplace_back("Allow", "GET");
    Respond(std::move(response));
    return;
  }
  if (target->path == "/events" && request.method == "GET") {
    // Past this request only if the stream is refused: an SSE client sends nothing more, and
    // a refused one may have pipelined requests that still get their answers.
    input_.erase(0, consumed);
    UpgradeToSse(request, *target);
    return;
  }
  input_.erase(0, consumed);
  if (request.method == "POST" && target->path.rfind("/api/publish/", 0) == 0 &&
      !publish_rate_.Allow(shard_.loop().now_ms())) {
    shard_.metrics().publishes_refused.Add(1);
    http::Response response = ErrorResponse(
        429, "rate_limited",
        "over " + std::to_string(static_cast<int64_t>(config_.max_publishes_per_second)) +
            " publishes per second on this connection");
    response.headers.emplace_back("Retry-After", "1");
    Respond(std::move(response));
    return;
  }
  node::Shard* shard = &shard_;
  core::SubscriberId id = id_;
  HandleRestRequest(shard_, config_, request, *target, [shard, id](http::Response response) {
    // A publish may complete after this session is gone (the client closed meanwhile).
    if (auto* self = dynamic_cast<HttpSession*>(shard->Find(id)))
      self->Respond(std::move(response));
  });
}

void HttpSession::Respond(http::Response response) {
  if (!awaiting_response_ || connection_->closed()) return;
  awaiting_response_ = false;
  if (!output_full_) connection_->ResumeReading();
  response.headers.insert(response.headers.end(), cors_.begin(), cors_.end());
  // RFC 9112 C.2.2: an HTTP/1.0 client keeps the connection only when the response says so.
  if (keep_alive_ && http10_keep_alive_) response.headers.emplace_back("Connection", "keep-alive");
  connection_->Enqueue(http::SerializeResponse(response, keep_alive_, head_only_));
  if (!keep_alive_) {
    // The rest of the input is never answered (RFC 9112 9.6); a client that does not read
    // the last response is closed after a while rather than held open.
    deadline_ms_ = shard_.loop().now_ms() + kCloseLingerMs;
    connection_->CloseAfterFlush();
    return;
  }
  deadline_ms_ = shard_.loop().now_ms() +
                 (input_.empty() ? config_.idle_timeout_ms : config_.handshake_timeout_ms);
  ProcessInput();
}

void HttpSession::UpgradeToWebSocket(const http::Request& request, std::string_view early_bytes) {
  handed_over_ = true;
  auto session = std::make_unique<WebSocketSession>(shard_, config_, std::move(connection_), id_);
  WebSocketSession* raw = session.get();
  shard_.Replace(id_, std::move(session));  // this HttpSession is destroyed at the end of the turn
  raw->Start(request, early_bytes);
}

void HttpSession::UpgradeToSse(const http::Request& request, const http::Target& target) {
  std::vector<std::string> filters = target.All("topic");
  auto refuse = [&](std::string_view code, const std::string& message) {
    Respond(ErrorResponse(400, code, message));
  };
  if (filters.empty()) return refuse("invalid_filter", "at least one topic=<filter> is required");
  if (filters.size() > config_.max_subscriptions) {
    return refuse("too_many_subscriptions",
                  "at most " + std::to_string(config_.max_subscriptions) + " filters per stream");
  }
  for (const std::string& filter : filters) {
    if (auto error = core::FilterError(filter)) {
      return refuse("invalid_filter", "\"" + filter + "\": " + *error);
    }
  }
  // Last-Event-ID (a browser's automatic reconnect) overrides since (the original URL's).
  const std::string* since_text = request.Find("last-event-id");
  if (since_text == nullptr || since_text->empty()) since_text = target.Query("since");
  std::optional<core::EventId> since;
  if (since_text != nullptr && !since_text->empty()) {
    since = core::ParseEventId(*since_text);
    if (!since)
      return refuse("invalid_since", "since / Last-Event-ID must be an id \"<epoch>:<seq>\"");
  }
  input_.clear();
  handed_over_ = true;
  auto session = std::make_unique<SseSession>(shard_, config_, std::move(connection_), id_);
  SseSession* raw = session.get();
  shard_.Replace(id_, std::move(session));
  raw->Start(filters, since, std::move(cors_));
}

void HttpSession::OnClosed(std::string_view) {
  if (!handed_over_) shard_.Release(id_);
}

void HttpSession::OnDrained() {
  if (!output_full_) return;
  output_full_ = false;
  if (!awaiting_response_) connection_->ResumeReading();
  ProcessInput();
}

void HttpSession::OnTick(int64_t now_ms) {
  if (handed_over_ || connection_->closed() || now_ms < deadline_ms_) return;
  if (connection_->closing()) {
    connection_->Close("client did not read the last response in time");
    return;
  }
  if (!input_.empty() && !awaiting_response_) {
    // Headers or body too slow (slowloris), or a pipelining client that stopped reading its
    // responses: answer 408 and close.
    shard_.metrics().http_requests_refused.Add(1);
    keep_alive_ = false;
    head_only_ = false;
    awaiting_response_ = true;
    cors_.clear();
    Respond(ErrorResponse(408, "request_timeout", "request not received in time"));
    return;
  }
  if (!awaiting_response_) connection_->Close("idle timeout");
}

void HttpSession::OnShutdown() {
  if (handed_over_ || connection_->closed()) return;
  if (!awaiting_response_)
    connection_->Close("shutting down");
  else
    keep_alive_ = false;
}

}  // namespace herald::session
