#include "net/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <thread>

#include "net/connection.h"
#include "net/uring_writer.h"

namespace herald::net {
namespace {

uint64_t ThisThreadId() { return std::hash<std::thread::id>()(std::this_thread::get_id()); }

}  // namespace

void EventLoop::WakeDrain::OnIo(uint32_t) {
  uint64_t value;
  while (read(fd, &value, sizeof value) > 0) {
  }
}

EventLoop::EventLoop(int index)
    : index_(index), read_buffer_(std::make_unique<char[]>(kReadBufferBytes)) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  wake_drain_.fd = wake_fd_;
  now_ms_ = MonotonicMs();
}

EventLoop::~EventLoop() {
  graveyard_.clear();
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

int64_t EventLoop::MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

int64_t EventLoop::MonotonicMs() { return MonotonicUs() / 1000; }

bool EventLoop::InLoopThread() const {
  return thread_id_.load(std::memory_order_relaxed) == ThisThreadId();
}

void EventLoop::Run() {
  own_thread_id_ = ThisThreadId();
  thread_id_.store(own_thread_id_, std::memory_order_relaxed);
  Add(wake_fd_, EPOLLIN, &wake_drain_);
  running_.store(true);
  now_ms_ = MonotonicMs();
  next_tick_ms_ = now_ms_ + tick_interval_ms_;
  load_ = LoopLoad{MonotonicUs(), ThreadCpuUs()};
  while (running_.load(std::memory_order_relaxed)) {
    int64_t end_us = RunTurn(TimeoutMs());
    if (end_us - load_.window_start_us >= load_window_us_) Balance(end_us);
  }
  {
    // Every Adopt posted before this point runs in the RunPosted below; none can come after.
    std::lock_guard lock(park_mutex_);
    accepting_guests_ = false;
  }
  RunPosted();
  ReleaseAllGuests();
  FlushScheduled();
  graveyard_.clear();
  Remove(wake_fd_);
}

int64_t EventLoop::RunTurn(int timeout_ms) {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
  int64_t woke_us = MonotonicUs();
  now_ms_ = woke_us / 1000;
  for (int i = 0; i < n; ++i) {
    static_cast<IoHandler*>(events[i].data.ptr)->OnIo(events[i].events);
  }
  RunPosted();
  if (now_ms_ >= next_tick_ms_) {
    next_tick_ms_ = now_ms_ + tick_interval_ms_;
    if (tick_) tick_();
  }
  if (now_ms_ >= flush_due_ms_) FlushScheduled();
  graveyard_.clear();
  if (!guests_.empty()) RunGuests();
  int64_t end_us = MonotonicUs();
  int64_t turn_us = end_us - woke_us;
  load_.longest_turn_us = std::max(load_.longest_turn_us, turn_us);
  load_.turn_us_sum += static_cast<double>(turn_us);
  load_.turn_us_squares += static_cast<double>(turn_us) * static_cast<double>(turn_us);
  return end_us;
}

int64_t EventLoop::NextDeadlineMs() const {
  int64_t wake_ms = next_tick_ms_;
  if (!flush_list_.empty()) wake_ms = std::min(wake_ms, flush_due_ms_);
  return wake_ms;
}

int EventLoop::TimeoutMs() const {
  if (pending_tasks() > 0) return 0;
  int64_t wake_ms = NextDeadlineMs();
  for (const EventLoop* guest : guests_) {
    if (guest->pending_tasks() > 0 || guest->guest_ready_.ready) return 0;
    wake_ms = std::min(wake_ms, guest->NextDeadlineMs());
  }
  // A loop taking part in parking closes its load windows even when idle, so the other side
  // never decides on a stale figure; so does a busy loop, so that it stops holding writes.
  if (host_ != nullptr || has_guests_ || busy_.load(std::memory_order_relaxed)) {
    wake_ms = std::min(wake_ms, (load_.window_start_us + load_window_us_) / 1000 + 1);
  }
  return static_cast<int>(std::max<int64_t>(0, wake_ms - now_ms_));
}

void EventLoop::Stop() {
  running_.store(false);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
}

void EventLoop::Post(std::function<void()> task) {
  bool was_empty;
  {
    std::lock_guard lock(posted_mutex_);
    was_empty = posted_.empty();
    posted_.push_back(std::move(task));
    // Counted before the loop can take the task (under the same lock): counted after, the
    // loop's decrement could come first and the unsigned count would wrap to 2^64 - 1 for a
    // moment, which Node::Overloaded read as a loop 50,000 tasks behind (429 overloaded).
    pending_tasks_.fetch_add(1, std::memory_order_relaxed);
  }
  // From the thread running the loop no wake-up is needed: it drains posted tasks after this
  // turn's I/O, before it waits again (a host checks its guests' tasks too).
  if (was_empty && !InLoopThread()) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
  }
}

void EventLoop::RunPosted() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(posted_mutex_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) {
    task();
    pending_tasks_.fetch_sub(1, std::memory_order_relaxed);
  }
}

bool EventLoop::Add(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::Modify(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::Remove(int fd) { epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::SetTick(int64_t interval_ms, std::function<void()> tick) {
  tick_interval_ms_ = interval_ms;
  tick_ = std::move(tick);
  next_tick_ms_ = now_ms_ + interval_ms;
}

void EventLoop::ScheduleFlush(Connection* connection) {
  if (flush_list_.empty()) {
    flush_due_ms_ =
        now_ms_ + std::max(write_delay_ms_, busy_hold_ms_.load(std::memory_order_relaxed));
  }
  flush_list_.push_back(connection);
}

void EventLoop::CancelFlush(Connection* connection) {
  std::replace(flush_list_.begin(), flush_list_.end(), connection,
               static_cast<Connection*>(nullptr));
}

bool EventLoop::EnableIoUring() {
  uring_ = UringWriter::Create(1024);
  return uring_ != nullptr;
}

void EventLoop::FlushScheduled() {
  if (uring_) {
    uring_->Flush(flush_list_);
    flush_list_.clear();
    return;
  }
  // Flushing may close a connection, whose handler may queue more work; index, don't iterate.
  for (size_t i = 0; i < flush_list_.size(); ++i) {
    if (Connection* connection = flush_list_[i]) connection->FlushNow();
  }
  flush_list_.clear();
}

void EventLoop::DisposeLater(std::unique_ptr<Disposable> object) {
  graveyard_.push_back(std::move(object));
}

}  // namespace herald::net
