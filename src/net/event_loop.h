#pragma once

#include <atomic>
#include <condition_variable>
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
  LoopCounter parks;  // times this loop handed itself to its host
};

// A loop's share of its thread's time, measured over windows of wall time.
struct LoopLoad {
  int64_t window_start_us = 0;      // monotonic clock
  int64_t window_start_cpu_us = 0;  // the thread's CPU time (getrusage), read once per window
  int64_t longest_turn_us = 0;      // wall time of the longest turn this window
  // Sums over this window's turns (wall time): their lengths, and their squared lengths, whose
  // ratio is the turn an event arriving at a random moment lands in, on average.
  double turn_us_sum = 0;
  double turn_us_squares = 0;
  int quiet_windows = 0;  // consecutive windows in which parking would have been allowed
};

// One epoll event loop, run by one thread at a time. Everything registered with it is used on
// that thread only; Post() is the one way in from other threads.
//
// Parking: a loop given a host (set_host) hands itself to the host's thread when both are mostly
// idle, and its own thread sleeps; the host runs its turns beside its own (the guest's epoll
// descriptor sits in the host's epoll set). A post from the host's thread then needs no wake-up,
// which at low rates costs more than the delivery it carries. The host gives its guests back
// when its thread gets busy. Nothing else changes: connections stay with their loop.
class EventLoop {
 public:
  explicit EventLoop(int index);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until Stop(); call on the loop's own thread.
  void Run();
  // Before Run: this loop may park on `host` (which must have no host itself) while both are
  // mostly idle. Without a host a loop always runs on its own thread.
  void set_host(EventLoop* host) {
    host_ = host;
    host->has_guests_ = true;
  }
  // Balancing windows: parking needs 4 quiet windows in a row (test hook; default 250 ms).
  void set_load_window_ms(int64_t window_ms) { load_window_us_ = window_ms * 1000; }
  // Any thread: true while the host's thread runs this loop.
  bool parked() const { return parked_.load(std::memory_order_relaxed); }
  // Any thread: the CPU time of this loop's thread over the last window, in thousandths of it.
  int load_permille() const { return load_permille_.load(std::memory_order_relaxed); }
  // Any thread: the longest turn of the last window, in microseconds.
  int64_t longest_turn_us() const { return longest_turn_us_.load(std::memory_order_relaxed); }
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
  // Holds scheduled writes while this loop is busy (its thread used over 40 % of a core in the
  // last load window, until that falls under 20 %) for a quarter of its average turn, at most
  // `delay_ms`. A busy loop is where gathering saves CPU (and, with other work on the same
  // cores, latency). Scaling the hold to the turns keeps its cost to a fraction of the wait
  // events already have: long fan-out turns get the whole hold, short ingest turns (under 4 ms)
  // none, and a quiet loop never holds. 0 turns it off. Loop thread, or before Run.
  void set_busy_write_delay_ms(int64_t delay_ms) { busy_write_delay_ms_ = delay_ms; }
  // Any thread: whether the loop counts as busy now, and the hold the busy write delay gives
  // its writes now (0: none).
  bool busy() const { return busy_.load(std::memory_order_relaxed); }
  int64_t busy_hold_ms() const { return busy_hold_ms_.load(std::memory_order_relaxed); }
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
  // Drains the wake-up eventfd; posted tasks run after the epoll batch.
  class WakeDrain final : public IoHandler {
   public:
    void OnIo(uint32_t) override;
    int fd = -1;
  };
  // Readiness of a parked loop's epoll set, as seen by its host's epoll_wait.
  class GuestReady final : public IoHandler {
   public:
    void OnIo(uint32_t) override { ready = true; }
    bool ready = false;
  };

  // One epoll_wait (up to `timeout_ms`) and everything a turn does after it; a host then runs
  // the turns its guests have due.
  // Returns the turn's end on the monotonic clock, in microseconds.
  int64_t RunTurn(int timeout_ms);
  void RunGuests();
  int TimeoutMs() const;
  int64_t NextDeadlineMs() const;
  void RunPosted();
  void FlushScheduled();
  // Own thread, every window: publishes this loop's load and decides to park or release.
  void Balance(int64_t now_us);
  // Own thread: hands the loop to the host; returns once the host has given it back.
  void ParkOnHost();
  // Host thread: takes `guest` in, or gives it (or every guest) back to its own thread.
  void Adopt(EventLoop* guest);
  void Release(EventLoop* guest);
  void ReleaseAllGuests();
  static int64_t MonotonicMs();
  static int64_t MonotonicUs();
  // CPU time of the calling thread (one system call; read once per load window).
  static int64_t ThreadCpuUs();

  const int index_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  WakeDrain wake_drain_;
  std::atomic<bool> running_{false};
  std::atomic<uint64_t> thread_id_{0};  // the thread running this loop now (0: none)
  uint64_t own_thread_id_ = 0;
  int64_t now_ms_ = 0;
  int64_t tick_interval_ms_ = 1000;
  int64_t next_tick_ms_ = 0;
  std::function<void()> tick_;
  std::unique_ptr<char[]> read_buffer_;
  std::vector<Connection*> flush_list_;
  std::unique_ptr<class UringWriter> uring_;
  int64_t write_delay_ms_ = 0;
  int64_t busy_write_delay_ms_ = 0;
  std::atomic<bool> busy_{false};         // written by the thread running the loop
  std::atomic<int64_t> busy_hold_ms_{0};  // likewise
  int64_t flush_due_ms_ = 0;              // when the oldest scheduled write must go out
  std::vector<std::unique_ptr<Disposable>> graveyard_;
  LoopStats stats_;

  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;  // HERALD_GUARDED_BY(posted_mutex_)
  std::atomic<size_t> pending_tasks_{0};

  // Parking (see the class comment).
  EventLoop* host_ = nullptr;
  bool has_guests_ = false;         // some loop may park on this one
  std::vector<EventLoop*> guests_;  // host thread only: the loops parked on this one now
  GuestReady guest_ready_;          // registered in the host's epoll set while parked
  LoopLoad load_;
  int64_t load_window_us_ = 250'000;
  std::atomic<int> load_permille_{0};
  std::atomic<int64_t> longest_turn_us_{0};
  std::atomic<bool> parked_{false};
  std::mutex park_mutex_;
  std::condition_variable park_cv_;
  bool hosted_ = false;           // HERALD_GUARDED_BY(park_mutex_): the host runs this loop
  bool accepting_guests_ = true;  // HERALD_GUARDED_BY(park_mutex_): false once a host stops
};

}  // namespace herald::net
