#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace herald::net {

class Connection;

// Something the loop calls when its file descriptor is ready.
class IoHandler {
 public:
  virtual void OnIo(uint32_t epoll_events) = 0;

 protected:
  ~IoHandler() = default;
};

// An object whose destruction the loop defers to the end of the current turn, so that nothing
// still on the stack (a callback, the flush list) refers to a destroyed object.
class Disposable {
 public:
  virtual ~Disposable() = default;
};

// A counter written by one thread and read by any: a relaxed load and store, so counting on the
// write path costs no locked instruction.
class LoopCounter {
 public:
  void Add(uint64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Counters a loop keeps about its own I/O; written by the loop thread only, read by any.
struct LoopStats {
  LoopCounter bytes_written;
  LoopCounter writev_calls;
  LoopCounter accept_pauses;
};

// One epoll event loop, run by one thread. Everything registered with it is used on that
// thread only; Post() is the one way in from other threads.
class EventLoop {
 public:
  explicit EventLoop(int index);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until Stop(); call on the loop's own thread.
  void Run();
  // Any thread: asks Run() to return after the current turn.
  void Stop();
  // Any thread: runs `task` on the loop thread, in posting order.
  void Post(std::function<void()> task);
  // Tasks posted but not yet run (for overload detection).
  size_t pending_tasks() const { return pending_tasks_.load(std::memory_order_relaxed); }

  // Loop thread: registers `fd` for `events` (EPOLLIN, EPOLLOUT, ...). False on failure (errno).
  bool Add(int fd, uint32_t events, IoHandler* handler);
  bool Modify(int fd, uint32_t events, IoHandler* handler);
  void Remove(int fd);

  // Loop thread: `tick` runs about every `interval_ms` (timeouts, pings, heartbeats).
  void SetTick(int64_t interval_ms, std::function<void()> tick);

  // Loop thread: the connection's queued frames are written at the end of this turn, so every
  // frame queued on it during the turn goes out in one gathered write.
  void ScheduleFlush(Connection* connection);
  // Holds scheduled writes up to `delay_ms` after the first one, so that more frames share each
  // writev: less CPU per delivery at high rates for that much added latency. 0 (the default)
  // writes at the end of every turn. Loop thread, or before Run.
  void set_write_delay_ms(int64_t delay_ms) { write_delay_ms_ = delay_ms; }
  // Writes scheduled connections through io_uring (all of a turn's writes in one system call)
  // instead of one writev each. False when io_uring is unavailable. Before Run.
  bool EnableIoUring();
  void CancelFlush(Connection* connection);
  // Loop thread: destroys `object` at the end of this turn.
  void DisposeLater(std::unique_ptr<Disposable> object);

  // A buffer for reads, shared by every connection of this loop (data is consumed before the
  // next read), so an idle connection holds no read buffer of its own.
  std::string_view read_buffer_view() const { return {read_buffer_.get(), kReadBufferBytes}; }
  char* read_buffer() { return read_buffer_.get(); }
  static constexpr size_t kReadBufferBytes = 64 * 1024;

  // Milliseconds on the monotonic clock, read once per turn.
  int64_t now_ms() const { return now_ms_; }
  int index() const { return index_; }
  bool InLoopThread() const;
  LoopStats& stats() { return stats_; }

 private:
  void RunPosted();
  void FlushScheduled();
  static int64_t MonotonicMs();

  const int index_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> running_{false};
  std::atomic<uint64_t> thread_id_{0};
  int64_t now_ms_ = 0;
  int64_t tick_interval_ms_ = 1000;
  int64_t next_tick_ms_ = 0;
  std::function<void()> tick_;
  std::unique_ptr<char[]> read_buffer_;
  std::vector<Connection*> flush_list_;
  std::unique_ptr<class UringWriter> uring_;
  int64_t write_delay_ms_ = 0;
  int64_t flush_due_ms_ = 0;  // when the oldest scheduled write must go out
  std::vector<std::unique_ptr<Disposable>> graveyard_;
  LoopStats stats_;

  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;  // HERALD_GUARDED_BY(posted_mutex_)
  std::atomic<size_t> pending_tasks_{0};
};

}  // namespace herald::net
