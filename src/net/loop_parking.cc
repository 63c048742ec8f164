// EventLoop's parking (see event_loop.h): measuring each loop's load, handing an idle loop to
// its host's thread, and giving it back.
#include <sys/epoll.h>
#include <sys/resource.h>

#include <algorithm>
#include <mutex>

#include "net/event_loop.h"  // the class whose parking this file implements

namespace herald::net {
namespace {

// Parking thresholds. Load is the thread's CPU time over a window, in thousandths of the
// window (1000: a whole core). A host gives its guests back when its load passes
// kReleaseAbove, or when one of its turns takes longer than kLongTurnUs: a fan-out that long
// finishes sooner split over two threads (at 5,000 subscribers an event takes a loop about
// 25 ms). A guest parks after kQuietWindowsToPark windows in a row in which its load and its
// host's add up to under kParkBelow and neither had a turn over half of kLongTurnUs. The gaps
// keep a loop from bouncing.
constexpr int kParkBelow = 500;
constexpr int kReleaseAbove = 850;
constexpr int64_t kLongTurnUs = 2000;
constexpr int kQuietWindowsToPark = 4;
// Below this load (thousandths) a long turn is taken for preemption, not for a fan-out.
constexpr int kLongTurnsNeedLoad = 50;
// The busy write delay applies from kBusyAbove until the load falls under kQuietBelow, and
// holds writes 1 / kHoldShareOfTurn of the loop's average turn.
constexpr int kBusyAbove = 400;
constexpr int kQuietBelow = 200;
constexpr int64_t kHoldShareOfTurn = 4;

}  // namespace

int64_t EventLoop::ThreadCpuUs() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  auto us = [](const timeval& t) { return static_cast<int64_t>(t.tv_sec) * 1'000'000 + t.tv_usec; };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

void EventLoop::RunGuests() {
  for (size_t i = 0; i < guests_.size();) {
    EventLoop* guest = guests_[i];
    if (!guest->running_.load(std::memory_order_relaxed)) {
      Release(guest);  // stopping: its own thread finishes it
      continue;
    }
    if (guest->guest_ready_.ready || guest->pending_tasks() > 0 ||
        now_ms_ >= guest->NextDeadlineMs()) {
      guest->guest_ready_.ready = false;
      // A parked loop's own windows are not measured: the host's thread decides for both.
      guest->busy_.store(busy_.load(std::memory_order_relaxed), std::memory_order_relaxed);
      guest->busy_hold_ms_.store(busy_hold_ms_.load(std::memory_order_relaxed),
                                 std::memory_order_relaxed);
      guest->RunTurn(0);
    }
    ++i;
  }
}

void EventLoop::Balance(int64_t now_us) {
  int64_t elapsed_us = std::max<int64_t>(1, now_us - load_.window_start_us);
  // CPU time, not wall time in turns: a turn the scheduler preempted (other work on the same
  // cores) must not look like load.
  int64_t cpu_us = ThreadCpuUs();
  int permille = static_cast<int>(
      std::min<int64_t>(1000, (cpu_us - load_.window_start_cpu_us) * 1000 / elapsed_us));
  int64_t longest_us = load_.longest_turn_us;
  // The turn a random moment falls in, on average (turns weighted by their length): how long
  // an arriving event waits for the loop already, wherever it arrives.
  auto average_turn_us =
      static_cast<int64_t>(load_.turn_us_sum > 0 ? load_.turn_us_squares / load_.turn_us_sum : 0);
  load_permille_.store(permille, std::memory_order_relaxed);
  longest_turn_us_.store(longest_us, std::memory_order_relaxed);
  load_.window_start_us = now_us;
  load_.window_start_cpu_us = cpu_us;
  load_.longest_turn_us = 0;
  load_.turn_us_sum = 0;
  load_.turn_us_squares = 0;
  bool busy = busy_.load(std::memory_order_relaxed);
  busy = busy ? permille >= kQuietBelow : permille > kBusyAbove;
  busy_.store(busy, std::memory_order_relaxed);
  int64_t hold_ms =
      busy ? std::min(busy_write_delay_ms_, average_turn_us / 1000 / kHoldShareOfTurn) : 0;
  busy_hold_ms_.store(hold_ms, std::memory_order_relaxed);
  // A long turn counts only with some load behind it: on an idle node it is the scheduler
  // preempting a short turn, not a fan-out.
  bool long_turns = longest_us > kLongTurnUs && permille >= kLongTurnsNeedLoad;
  if (!guests_.empty() && (permille > kReleaseAbove || long_turns)) {
    ReleaseAllGuests();
  }
  if (host_ == nullptr) return;
  int both = permille + host_->load_permille();
  bool quiet =
      both < kParkBelow && (std::max(longest_us, host_->longest_turn_us()) < kLongTurnUs / 2 ||
                            both < kLongTurnsNeedLoad);
  load_.quiet_windows = quiet ? load_.quiet_windows + 1 : 0;
  if (load_.quiet_windows >= kQuietWindowsToPark && running_.load(std::memory_order_relaxed)) {
    ParkOnHost();
  }
}

void EventLoop::ParkOnHost() {
  {
    std::lock_guard host_lock(host_->park_mutex_);
    if (!host_->accepting_guests_) {
      load_.quiet_windows = 0;
      return;
    }
    std::lock_guard lock(park_mutex_);
    hosted_ = true;
    // Nobody runs the loop until the host adopts it; a post meanwhile writes the wake-up
    // eventfd, which the host's epoll set sees once the loop's descriptor is in it.
    thread_id_.store(0, std::memory_order_relaxed);
    parked_.store(true, std::memory_order_relaxed);
    stats_.parks.Add(1);
    host_->Post([host = host_, guest = this] { host->Adopt(guest); });
  }
  std::unique_lock lock(park_mutex_);
  park_cv_.wait(lock, [this] { return !hosted_; });
  thread_id_.store(own_thread_id_, std::memory_order_relaxed);
  parked_.store(false, std::memory_order_relaxed);
  load_ = LoopLoad{MonotonicUs(), ThreadCpuUs()};
}

void EventLoop::Adopt(EventLoop* guest) {
  guest->thread_id_.store(thread_id_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  guests_.push_back(guest);
  // Posts and timers may be due already: give it a turn before waiting.
  guest->guest_ready_.ready = true;
  if (!Add(guest->epoll_fd_, EPOLLIN, &guest->guest_ready_)) Release(guest);
}

void EventLoop::Release(EventLoop* guest) {
  Remove(guest->epoll_fd_);
  guests_.erase(std::find(guests_.begin(), guests_.end(), guest));
  guest->thread_id_.store(0, std::memory_order_relaxed);
  {
    std::lock_guard lock(guest->park_mutex_);
    guest->hosted_ = false;
  }
  guest->park_cv_.notify_one();
}

void EventLoop::ReleaseAllGuests() {
  while (!guests_.empty()) Release(guests_.back());
}

}  // namespace herald::net
