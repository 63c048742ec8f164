#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "net/endpoint.h"
#include "net/event_loop.h"

namespace herald::net {

// What a connection tells its owner. Called on the loop thread.
class ConnectionHandler {
 public:
  // Bytes arrived; they live in the loop's shared read buffer, so keep what you need.
  virtual void OnData(std::string_view bytes) = 0;
  // The write queue emptied after NotifyWhenDrained() (resume streaming).
  virtual void OnDrained() {}
  // The connection is closed (peer, error or Close()); `reason` is for logs.
  virtual void OnClosed(std::string_view reason) = 0;

 protected:
  ~ConnectionHandler() = default;
};

enum class EnqueueResult : uint8_t { kQueued, kOverLimit };

// A TCP connection: owns the socket and its write queue of shared frames. Writes are gathered:
// frames queued during a loop turn go out in one writev at the end of the turn. Single-threaded
// (its loop's thread). Its idle footprint is the socket and a few words; no buffers.
class Connection final : public IoHandler {
 public:
  // Takes ownership of the connected non-blocking `fd`.
  Connection(EventLoop& loop, int fd, const Endpoint& peer, ConnectionHandler* handler);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void set_handler(ConnectionHandler* handler) { handler_ = handler; }
  // Bytes allowed in the queue; past it Enqueue first writes what the socket takes, then
  // returns kOverLimit if the queue is still past it (and still queues).
  void set_queue_limit(size_t bytes) { queue_limit_bytes_ = bytes; }
  // Bytes the kernel may hold unsent for this socket (TCP_NOTSENT_LOWAT); past them writes
  // stop and frames wait in this connection's queue, where the queue limit applies. 0 leaves
  // the kernel's default (up to its whole send buffer, tcp_wmem's maximum).
  void LimitKernelUnsent(size_t bytes);
  // Something released when the socket closes (a per-address connection slot): the connection
  // keeps it alive without knowing what it is.
  void set_admission(std::shared_ptr<void> admission) { admission_ = std::move(admission); }

  // Queues bytes shared with other connections; never copies them.
  EnqueueResult Enqueue(core::SharedBytes bytes);
  // Queues bytes of this connection only.
  EnqueueResult Enqueue(std::string bytes);

  // Closes the socket now; OnClosed is called with `reason`. Idempotent.
  void Close(std::string_view reason);
  // Stops reading, writes what is queued, then closes (or on CloseIfLingering).
  void CloseAfterFlush();
  // OnDrained is called once, the next time the queue empties.
  void NotifyWhenDrained() { notify_drained_ = true; }
  // Pause/resume reading (while a response or a stream is pending).
  void PauseReading();
  void ResumeReading();

  void OnIo(uint32_t epoll_events) override;
  // Writes as much of the queue as the socket takes; called by the loop at the end of a turn.
  void FlushNow();

  // The io_uring write path (EventLoop with io_uring): the loop takes the queued frames as
  // iovecs, submits one writev per connection for all of them at once, then reports each
  // result (bytes written or -errno) here.
  static constexpr size_t kMaxIov = 256;  // well under IOV_MAX; more frames wait for the next write
  bool has_unsent() const { return fd_ >= 0 && head_ < queue_.size(); }
  void BeginSubmittedWrite() { flush_scheduled_ = false; }
  size_t FillIov(iovec* iov, size_t max) const;
  void CompleteSubmittedWrite(int result);
  int fd() const { return fd_; }

  bool closed() const { return fd_ < 0; }
  bool closing() const { return close_after_flush_; }
  size_t queued_bytes() const { return queued_bytes_; }
  // Bytes the kernel has taken from the queue since the connection opened.
  uint64_t bytes_written() const { return bytes_written_; }
  const Endpoint& peer() const { return peer_; }
  EventLoop& loop() { return loop_; }

 private:
  void ScheduleFlush();
  void Advance(size_t written);
  // writev until the queue is empty or the socket full; the errno of a failed write, else 0.
  int WriteQueued();
  // After writing: drained → release the queue, close if asked, OnDrained; else arm EPOLLOUT.
  void FinishFlush();
  void UpdateInterest();
  void ReadAvailable();

  EventLoop& loop_;
  ConnectionHandler* handler_;
  int fd_;
  bool reading_ = true;
  bool want_write_ = false;  // EPOLLOUT registered: the socket buffer is full
  bool flush_scheduled_ = false;
  bool close_after_flush_ = false;
  bool notify_drained_ = false;
  size_t queue_limit_bytes_ = 4 * 1024 * 1024;
  size_t queued_bytes_ = 0;
  uint64_t bytes_written_ = 0;
  size_t head_ = 0;         // index of the first unsent frame in queue_
  size_t head_offset_ = 0;  // bytes of queue_[head_] already sent
  std::vector<core::SharedBytes> queue_;
  Endpoint peer_;
  std::shared_ptr<void> admission_;
};

}  // namespace herald::net
