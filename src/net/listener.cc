#include "net/listener.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace herald::net {
namespace {

int OpenReserve() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

core::Result<std::unique_ptr<Listener>> Listener::Open(EventLoop& loop, const Endpoint& endpoint,
                                                       int backlog, AcceptFn on_accept) {
  auto fail = [&](const char* what) {
    return core::Error{"listen_failed", "listener " + endpoint.ToString() + ": " + what + ": " +
                                            std::strerror(errno)};
  };
  int fd = ::socket(endpoint.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length) != 0) {
    auto error = fail("bind");
    ::close(fd);
    return error;
  }
  if (::listen(fd, backlog) != 0) {
    auto error = fail("listen");
    ::close(fd);
    return error;
  }
  Endpoint local;
  local.length = sizeof local.address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&local.address), &local.length);
  std::unique_ptr<Listener> listener(new Listener(loop, fd, local, std::move(on_accept)));
  if (!loop.Add(fd, EPOLLIN, listener.get())) return fail("epoll");
  return listener;
}

core::Result<bool> Listener::CheckUnused(const Endpoint& endpoint) {
  // A probe bound without SO_REUSEPORT collides with any listener on the address, ours or not;
  // SO_REUSEADDR keeps connections in TIME_WAIT from a previous run out of it.
  int fd = ::socket(endpoint.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // the real socket() will report it
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool in_use =
      ::bind(fd, reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length) != 0 &&
      errno == EADDRINUSE;
  ::close(fd);
  if (in_use) {
    return core::Error{"listen_failed", "listener " + endpoint.ToString() +
                                            ": address in use (another process listens on it)"};
  }
  return true;
}

Listener::Listener(EventLoop& loop, int fd, const Endpoint& local, AcceptFn on_accept)
    : loop_(loop),
      fd_(fd),
      reserve_fd_(OpenReserve()),
      local_(local),
      on_accept_(std::move(on_accept)) {}

Listener::~Listener() {
  Close();
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
}

void Listener::OnIo(uint32_t) {
  // Bounded per wake-up so a connection storm cannot starve established connections.
  for (int i = 0; i < 64 && !paused_; ++i) {
    Endpoint peer;
    peer.length = sizeof peer.address;
    int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer.address), &peer.length,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      on_accept_(fd, peer);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE) {
      // Out of descriptors: use the reserve to accept and drop one waiting client (it sees a
      // close instead of hanging in the backlog), then pause accepting for a moment.
      if (reserve_fd_ >= 0) {
        ::close(reserve_fd_);
        int dropped = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (dropped >= 0) ::close(dropped);
        reserve_fd_ = OpenReserve();
      }
      paused_ = true;
      resume_at_ms_ = loop_.now_ms() + 100;
      loop_.Modify(fd_, 0, this);
      loop_.stats().accept_pauses.Add(1);
    }
    return;  // EAGAIN or a transient error: wait for the next readiness
  }
}

void Listener::OnTick() {
  if (paused_ && !stopped_ && fd_ >= 0 && loop_.now_ms() >= resume_at_ms_) {
    paused_ = false;
    loop_.Modify(fd_, EPOLLIN, this);
  }
}

void Listener::Close() {
  if (fd_ < 0) return;
  stopped_ = paused_ = true;
  loop_.Remove(fd_);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace herald::net
