#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "node/shard.h"
#include "proto/http/request.h"
#include "proto/http/response.h"
#include "proto/http/url.h"
#include "session/session_config.h"

namespace herald::session {

using Respond = std::function<void(proto::http::Response)>;

// Serves the REST API, health, metrics and static files for one request that is not an upgrade.
// Calls `respond` exactly once, on the shard's loop (maybe after Handle returns: a publish waits
// for the backbone). CORS headers are added by the caller.
void HandleRestRequest(node::Shard& shard, const SessionConfig& config,
                       const proto::http::Request& request, const proto::http::Target& target,
                       Respond respond);

// A JSON error response: {"error":{"code":...,"message":...}}.
proto::http::Response ErrorResponse(int status, std::string_view code, std::string_view message);

// Whether `origin` is in `allowed` (or `allowed` holds "*").
bool OriginAllowed(const std::vector<std::string>& allowed, const std::string& origin);

// CORS headers for a request's Origin, when allowed; empty otherwise.
std::vector<std::pair<std::string, std::string>> CorsHeaders(const SessionConfig& config,
                                                             const proto::http::Request& request);

}  // namespace herald::session
