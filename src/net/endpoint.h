#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace herald::net {

// An IPv4 or IPv6 address and port, as sockaddr storage.
struct Endpoint {
  sockaddr_storage address{};
  socklen_t length = 0;

  uint16_t port() const;
  // "127.0.0.1:8080" or "[::1]:8080".
  std::string ToString() const;
  // The address alone ("10.0.0.7"), for per-IP limits and logs.
  std::string Host() const;
};

// Parses "HOST:PORT" with a numeric IPv4 address, "[IPv6]:PORT" or "localhost:PORT".
core::Result<Endpoint> ParseEndpoint(std::string_view text);

}  // namespace herald::net
