#pragma once

#include <functional>

#include "core/result.h"
#include "net/endpoint.h"
#include "net/event_loop.h"

namespace herald::net {

// A listening socket on one loop. Every loop opens its own on the same address with
// SO_REUSEPORT, so the kernel spreads accepts over loops. Owns the socket and a reserve file
// descriptor: when the process runs out of descriptors (EMFILE), the reserve is closed to accept
// and drop the waiting connection, and accepting pauses briefly instead of spinning.
class Listener final : public IoHandler {
 public:
  // Receives each accepted non-blocking socket, on the loop thread; takes ownership of `fd`.
  using AcceptFn = std::function<void(int fd, const Endpoint& peer)>;

  static core::Result<std::unique_ptr<Listener>> Open(EventLoop& loop, const Endpoint& endpoint,
                                                      int backlog, AcceptFn on_accept);
  // Fails with listen_failed when something already listens on `endpoint` (port 0: never).
  // SO_REUSEPORT would otherwise let a second node on the same address bind it and silently
  // take a share of its connections. Call before opening the first listener of a node.
  static core::Result<bool> CheckUnused(const Endpoint& endpoint);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // The bound address (with the kernel's port when 0 was asked).
  const Endpoint& local() const { return local_; }
  void OnIo(uint32_t epoll_events) override;
  // Called on the loop's tick: resumes accepting after a pause.
  void OnTick();
  // Stops accepting and closes the socket (graceful drain): new connections are refused at
  // once instead of waiting in the backlog of a node that will not answer them.
  void Close();

 private:
  Listener(EventLoop& loop, int fd, const Endpoint& local, AcceptFn on_accept);
  EventLoop& loop_;
  int fd_;
  int reserve_fd_;
  Endpoint local_;
  AcceptFn on_accept_;
  bool paused_ = false;
  bool stopped_ = false;
  int64_t resume_at_ms_ = 0;
};

}  // namespace herald::net
