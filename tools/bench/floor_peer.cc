// The floor peer: the kernel's cost of fan-out with no features. Accepts WebSocket subscribers
// (any path) and HTTP publishers (POST, any path) on one port; for each publish it writes one
// pre-built text frame holding the body to every subscriber with one send() each. Single
// thread, no queues (a full socket buffer drops the frame), no parsing beyond the minimum.
// Usage: herald-floor-peer PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/ws/codec.h"

namespace {

struct Peer {
  std::string input;
  bool subscriber = false;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: herald-floor-peer PORT\n");
    return 2;
  }
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, 4096) != 0) {
    std::perror("floor peer: bind/listen");
    return 1;
  }
  int ep = epoll_create1(0);
  epoll_event ev{EPOLLIN, {.fd = listener}};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::unordered_map<int, Peer> peers;
  std::vector<int> subscribers;
  char buffer[65536];
  epoll_event events[256];
  while (true) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        int client;
        while ((client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{EPOLLIN, {.fd = client}};
          epoll_ctl(ep, EPOLL_CTL_ADD, client, &cev);
          peers[client];
        }
        continue;
      }
      ssize_t got = read(fd, buffer, sizeof buffer);
      Peer& peer = peers[fd];
      if (got <= 0) {
        if (peer.subscriber) std::erase(subscribers, fd);
        peers.erase(fd);
        close(fd);
        continue;
      }
      if (peer.subscriber) continue;  // subscribe messages and pongs are ignored
      peer.input.append(buffer, static_cast<size_t>(got));
      while (true) {
        size_t head_end = peer.input.find("\r\n\r\n");
        if (head_end == std::string::npos) break;
        std::string_view head(peer.input.data(), head_end);
        size_t key_at = head.find("Sec-WebSocket-Key: ");
        if (key_at != std::string_view::npos) {
          std::string_view key = head.substr(key_at + 19, 24);
          std::string reply =
              "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
              herald::proto::ws::AcceptKey(key) + "\r\n\r\n";
          [[maybe_unused]] ssize_t w = write(fd, reply.data(), reply.size());
          peer.subscriber = true;
          peer.input.clear();
          subscribers.push_back(fd);
          break;
        }
        size_t length_at = head.find("Content-Length: ");
        size_t length = 0;
        if (length_at != std::string_view::npos) {
          std::from_chars(head.data() + length_at + 16, head.data() + head.size(), length);
        }
        if (peer.input.size() < head_end + 4 + length) break;
        std::string frame = herald::proto::ws::EncodeFrame(
            herald::proto::ws::Opcode::kText,
            std::string_view(peer.input).substr(head_end + 4, length));
        for (int subscriber : subscribers) {
          [[maybe_unused]] ssize_t w = send(subscriber, frame.data(), frame.size(), MSG_NOSIGNAL);
        }
        static const char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        [[maybe_unused]] ssize_t w = write(fd, kOk, sizeof kOk - 1);
        peer.input.erase(0, head_end + 4 + length);
      }
    }
  }
}
