// The busy write delay: a loop over 40 % busy with long turns holds writes for a quarter of a
// turn; a busy loop with short turns, or a quiet one, writes at the end of the turn.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "net/connection.h"
#include "net/event_loop.h"

namespace herald::net {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct IgnoringHandler final : ConnectionHandler {
  void OnData(std::string_view) override {}
  void OnClosed(std::string_view) override {}
};

class BusyWriteDelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    peer_fd_ = fds[1];
    loop_.set_load_window_ms(10);
    loop_.set_busy_write_delay_ms(200);
    thread_ = std::thread([this] { loop_.Run(); });
    OnLoop(
        [&] { connection_ = std::make_unique<Connection>(loop_, fds[0], Endpoint{}, &handler_); });
  }
  void TearDown() override {
    spinning_.store(false);
    OnLoop([&] { connection_.reset(); });
    loop_.Stop();
    thread_.join();
    close(peer_fd_);
  }

  void OnLoop(std::function<void()> task) {
    std::promise<void> done;
    loop_.Post([&] {
      task();
      done.set_value();
    });
    ASSERT_EQ(done.get_future().wait_for(5s), std::future_status::ready);
  }

  // Queues one byte on the loop thread and returns how long it took to reach the peer.
  Clock::duration TimeOneWrite() {
    Clock::time_point queued;
    OnLoop([&] {
      queued = Clock::now();
      connection_->Enqueue(std::string("x"));
    });
    pollfd readable{peer_fd_, POLLIN, 0};
    EXPECT_EQ(poll(&readable, 1, 5000), 1);
    char byte;
    EXPECT_EQ(read(peer_fd_, &byte, 1), 1);
    return Clock::now() - queued;
  }

  // Keeps the loop's thread busy: one task of `turn` per turn, each posting the next.
  void StartSpinning(Clock::duration turn) {
    spinning_.store(true);
    spin_ = [this, turn] {
      auto until = Clock::now() + turn;
      while (Clock::now() < until) {
      }
      if (spinning_.load()) loop_.Post(spin_);
    };
    loop_.Post(spin_);
  }

  EventLoop loop_{0};
  IgnoringHandler handler_;
  std::unique_ptr<Connection> connection_;
  int peer_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> spinning_{false};
  std::function<void()> spin_;

  // Stops the spinning task and waits until the loop is quiet again.
  void StopSpinning() {
    spinning_.store(false);
    for (auto deadline = Clock::now() + 5s; loop_.busy() && Clock::now() < deadline;) {
      std::this_thread::sleep_for(2ms);
    }
  }

  template <typename Condition>
  bool WaitFor(Condition condition) {
    for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;) {
      if (condition()) return true;
      std::this_thread::sleep_for(1ms);
    }
    return false;
  }
};

TEST_F(BusyWriteDelayTest, QuietLoopWritesAtOnce) {
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(loop_.busy());
  EXPECT_EQ(loop_.busy_hold_ms(), 0);
  EXPECT_LT(TimeOneWrite(), 100ms);
}

TEST_F(BusyWriteDelayTest, BusyLoopWithShortTurnsWritesAtOnce) {
  StartSpinning(2ms);  // a quarter of it rounds to no hold
  ASSERT_TRUE(WaitFor([&] { return loop_.busy(); }));
  EXPECT_EQ(loop_.busy_hold_ms(), 0);
  EXPECT_LT(TimeOneWrite(), 100ms);
  StopSpinning();
}

TEST_F(BusyWriteDelayTest, BusyLoopWithLongTurnsHoldsWritesAQuarterOfATurn) {
  StartSpinning(400ms);  // a quarter: 100 ms, under the 200 ms cap
  ASSERT_TRUE(WaitFor([&] { return loop_.busy_hold_ms() > 0; }));
  EXPECT_GE(loop_.busy_hold_ms(), 95);
  EXPECT_LE(loop_.busy_hold_ms(), 105);
  // The hold is taken when the write is queued; the loop turns quiet right after.
  spinning_.store(false);
  EXPECT_GE(TimeOneWrite(), 90ms);
  StopSpinning();
  EXPECT_TRUE(WaitFor([&] { return loop_.busy_hold_ms() == 0; }));
  EXPECT_LT(TimeOneWrite(), 100ms);
}

TEST_F(BusyWriteDelayTest, LongTurnsHoldAtMostTheConfiguredDelay) {
  StartSpinning(1200ms);  // a quarter: 300 ms, over the 200 ms cap
  ASSERT_TRUE(WaitFor([&] { return loop_.busy_hold_ms() > 0; }));
  EXPECT_EQ(loop_.busy_hold_ms(), 200);
  StopSpinning();
}

}  // namespace
}  // namespace herald::net
