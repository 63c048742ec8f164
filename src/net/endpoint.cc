#include "net/endpoint.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace herald::net {

uint16_t Endpoint::port() const {
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

std::string Endpoint::Host() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, text,
              sizeof text);
  } else {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, text,
              sizeof text);
  }
  return text;
}

std::string Endpoint::ToString() const {
  std::string host = Host();
  if (address.ss_family == AF_INET6) host = "[" + host + "]";
  return host + ":" + std::to_string(port());
}

core::Result<Endpoint> ParseEndpoint(std::string_view text) {
  auto fail = [&](const std::string& why) {
    return core::Error{"bad_endpoint", "\"" + std::string(text) + "\": " + why};
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return fail("expected HOST:PORT");
  std::string host(text.substr(0, colon));
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return fail("port must be a number from 0 to 65535");
  }
  Endpoint endpoint;
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&endpoint.address);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &in6->sin6_addr) != 1) {
      return fail("not an IPv6 address");
    }
    endpoint.length = sizeof(sockaddr_in6);
    return endpoint;
  }
  auto* in4 = reinterpret_cast<sockaddr_in*>(&endpoint.address);
  in4->sin_family = AF_INET;
  in4->sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &in4->sin_addr) != 1) {
    return fail("host must be a numeric IPv4 address, [IPv6] or localhost");
  }
  endpoint.length = sizeof(sockaddr_in);
  return endpoint;
}

}  // namespace herald::net
