#include "backbone/durable_backbone.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "backbone/fault_injection_env.h"
#include "temp_dir.h"

namespace herald::backbone {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// Everything the sink received, for the test thread to read.
class Collector {
 public:
  Backbone::EventSink Sink() {
    return [this](std::shared_ptr<core::Event> event) {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    };
  }
  std::vector<std::shared_ptr<core::Event>> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<uint64_t> seqs() {
    std::vector<uint64_t> seqs;
    for (const auto& event : events()) seqs.push_back(event->seq);
    return seqs;
  }

 private:
  std::mutex mutex_;
  std::vector<std::shared_ptr<core::Event>> events_;
};

PublishRequest Request(std::string topic, std::string payload) {
  return PublishRequest{std::move(topic), std::move(payload), true, 0};
}

// Publishes and waits for `done` (on a deadline, so a lost callback fails instead of hanging).
core::Result<PublishAck> PublishAndWait(Backbone& backbone, PublishRequest request) {
  auto promise = std::make_shared<std::promise<core::Result<PublishAck>>>();
  auto future = promise->get_future();
  backbone.Publish(std::move(request),
                   [promise](core::Result<PublishAck> result) { promise->set_value(result); });
  if (future.wait_for(20s) != std::future_status::ready) {
    return core::Error{"test_timeout", "done was not called"};
  }
  return future.get();
}

template <typename Predicate>
bool WaitUntil(Predicate predicate, std::chrono::milliseconds deadline = 10s) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

std::unique_ptr<DurableBackbone> OpenBackbone(Env& env, const std::string& dir,
                                              DurableBackboneOptions options = {}) {
  options.data_dir = dir;
  auto opened = DurableBackbone::Open(options, env);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return opened.ok() ? std::move(opened.value()) : nullptr;
}

TEST(DurableBackbone, ConcurrentPublishersGetDistinctIncreasingIdsInSinkOrder) {
  TempDir tmp;
  auto backbone = OpenBackbone(DefaultEnv(), tmp.path());
  ASSERT_NE(backbone, nullptr);
  Collector collector;
  backbone->Start(collector.Sink());
  constexpr int kPublishers = 100;
  constexpr int kEach = 5;
  std::vector<std::vector<core::Result<PublishAck>>> acks(kPublishers);
  std::vector<std::thread> threads;
  for (int p = 0; p < kPublishers; ++p) {
    threads.emplace_back([&backbone, &acks, p] {
      for (int i = 0; i < kEach; ++i) {
        acks[p].push_back(PublishAndWait(
            *backbone,
            Request("pub/" + std::to_string(p), std::to_string(p) + ":" + std::to_string(i))));
      }
    });
  }
  for (auto& thread : threads) thread.join();

  std::map<uint64_t, std::string> payload_of_seq;
  for (int p = 0; p < kPublishers; ++p) {
    uint64_t previous = 0;
    for (int i = 0; i < kEach; ++i) {
      ASSERT_TRUE(acks[p][i].ok()) << acks[p][i].error().message;
      EXPECT_EQ(acks[p][i]->epoch, backbone->epoch());
      EXPECT_GT(acks[p][i]->seq, previous);
      previous = acks[p][i]->seq;
      EXPECT_TRUE(
          payload_of_seq.emplace(previous, std::to_string(p) + ":" + std::to_string(i)).second)
          << "seq " << previous << " given twice";
    }
  }
  auto events = collector.events();
  ASSERT_EQ(events.size(), static_cast<size_t>(kPublishers * kEach));
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]->seq, i + 1);
    EXPECT_EQ(events[i]->epoch, backbone->epoch());
    EXPECT_EQ(events[i]->payload, payload_of_seq[i + 1]);
  }
  EXPECT_LE(backbone->commits(), events.size());
  EXPECT_EQ(backbone->committed_events(), events.size());
  EXPECT_TRUE(backbone->healthy());
  EXPECT_EQ(backbone->status(), "ok");
}

TEST(DurableBackbone, OneFsyncCoversEveryPublishWaitingForIt) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  auto backbone = OpenBackbone(env, tmp.path());
  ASSERT_NE(backbone, nullptr);
  std::vector<std::future<core::Result<PublishAck>>> results;
  for (int i = 0; i < 50; ++i) {  // queued before the committer runs: all wait together
    auto promise = std::make_shared<std::promise<core::Result<PublishAck>>>();
    results.push_back(promise->get_future());
    backbone->Publish(Request("t", std::to_string(i)),
                      [promise](core::Result<PublishAck> result) { promise->set_value(result); });
  }
  uint64_t syncs_before = env.sync_count();
  Collector collector;
  backbone->Start(collector.Sink());
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_EQ(results[i].wait_for(20s), std::future_status::ready);
    EXPECT_EQ(results[i].get()->seq, i + 1);
  }
  EXPECT_EQ(env.sync_count() - syncs_before, 1u);
  EXPECT_EQ(backbone->commits(), 1u);
}

TEST(DurableBackbone, RestartReplaysEveryEventWithTheSameEpoch) {
  TempDir tmp;
  std::string epoch;
  {
    auto backbone = OpenBackbone(DefaultEnv(), tmp.path());
    ASSERT_NE(backbone, nullptr);
    Collector collector;
    backbone->Start(collector.Sink());
    for (int i = 1; i <= 5; ++i) {
      ASSERT_TRUE(PublishAndWait(*backbone, Request("a/" + std::to_string(i), "v")).ok());
    }
    epoch = backbone->epoch();
  }
  auto backbone = OpenBackbone(DefaultEnv(), tmp.path());
  ASSERT_NE(backbone, nullptr);
  EXPECT_EQ(backbone->epoch(), epoch);
  EXPECT_FALSE(backbone->recovery().created);
  Collector collector;
  backbone->Start(collector.Sink());
  EXPECT_EQ(collector.seqs(), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(collector.events()[2]->topic, "a/3");
  EXPECT_EQ(collector.events()[2]->epoch, epoch);
  auto next = PublishAndWait(*backbone, Request("a/6", "v"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 6u);
}

TEST(DurableBackbone, DiskFullRefusesPublishesThenRecoversWhenSpaceReturns) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  auto backbone = OpenBackbone(env, tmp.path());
  ASSERT_NE(backbone, nullptr);
  Collector collector;
  backbone->Start(collector.Sink());
  ASSERT_TRUE(PublishAndWait(*backbone, Request("t", "1")).ok());

  env.SetDiskFull(true);
  for (int i = 0; i < 3; ++i) {
    auto refused = PublishAndWait(*backbone, Request("t", "lost"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "storage_unavailable");
    EXPECT_NE(refused.error().message.find("No space left on device"), std::string::npos)
        << refused.error().message;
  }
  EXPECT_FALSE(backbone->healthy());
  EXPECT_EQ(backbone->status().rfind("storage unavailable: ", 0), 0u) << backbone->status();
  EXPECT_EQ(collector.seqs(), (std::vector<uint64_t>{1}));  // nothing failed was delivered

  env.SetDiskFull(false);
  auto accepted = PublishAndWait(*backbone, Request("t", "2"));
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  EXPECT_EQ(accepted->seq, 2u);  // the failed publishes' seqs were never acknowledged
  EXPECT_TRUE(backbone->healthy());
  EXPECT_EQ(collector.seqs(), (std::vector<uint64_t>{1, 2}));
}

TEST(DurableBackbone, HealthComesBackWithoutPublishesOnceStorageWorks) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  DurableBackboneOptions options;
  options.retry_interval = 5ms;
  auto backbone = OpenBackbone(env, tmp.path(), options);
  ASSERT_NE(backbone, nullptr);
  backbone->Start([](std::shared_ptr<core::Event>) {});
  env.SetDiskFull(true);
  ASSERT_FALSE(PublishAndWait(*backbone, Request("t", "x")).ok());
  EXPECT_FALSE(backbone->healthy());
  env.SetDiskFull(false);
  EXPECT_TRUE(WaitUntil([&] { return backbone->healthy(); }));
  EXPECT_EQ(backbone->status(), "ok");
}

TEST(DurableBackbone, FailedFsyncIsNeitherDeliveredNorAcknowledged) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  auto backbone = OpenBackbone(env, tmp.path());
  ASSERT_NE(backbone, nullptr);
  Collector collector;
  backbone->Start(collector.Sink());
  env.SetFailSync(true);
  auto refused = PublishAndWait(*backbone, Request("t", "x"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "storage_unavailable");
  EXPECT_TRUE(collector.events().empty());
  env.SetFailSync(false);
  auto accepted = PublishAndWait(*backbone, Request("t", "y"));
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->seq, 1u);
}

TEST(DurableBackbone, EveryAcknowledgedPublishSurvivesACrashMidStream) {
  TempDir tmp;
  FaultInjectionEnv env(DefaultEnv());
  std::mutex mutex;
  std::map<uint64_t, std::string> acknowledged;  // seq → payload
  {
    auto backbone = OpenBackbone(env, tmp.path());
    ASSERT_NE(backbone, nullptr);
    backbone->Start([](std::shared_ptr<core::Event>) {});
    std::atomic<bool> crashed{false};
    std::vector<std::thread> publishers;
    for (int p = 0; p < 8; ++p) {
      publishers.emplace_back([&, p] {
        for (int i = 0; !crashed.load(); ++i) {
          std::string payload = std::to_string(p) + "/" + std::to_string(i);
          auto result = PublishAndWait(*backbone, Request("crash", payload));
          if (!result.ok()) continue;
          std::lock_guard lock(mutex);
          acknowledged[result->seq] = payload;
        }
      });
    }
    ASSERT_TRUE(WaitUntil([&] {
      std::lock_guard lock(mutex);
      return acknowledged.size() >= 200;
    }));
    // Power goes: from here on nothing reaches the disk.
    env.SetFailWrites(true);
    env.SetFailSync(true);
    crashed.store(true);
    for (auto& thread : publishers) thread.join();
  }
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  env.SetFailWrites(false);
  env.SetFailSync(false);

  auto backbone = OpenBackbone(env, tmp.path());
  ASSERT_NE(backbone, nullptr);
  Collector collector;
  backbone->Start(collector.Sink());
  std::map<uint64_t, std::string> recovered;
  for (const auto& event : collector.events()) recovered[event->seq] = event->payload;
  EXPECT_EQ(recovered, acknowledged);
  EXPECT_EQ(collector.seqs().size(), acknowledged.size());
}

TEST(DurableBackbone, StopCommitsWhatIsQueuedAndRefusesLaterPublishes) {
  TempDir tmp;
  auto backbone = OpenBackbone(DefaultEnv(), tmp.path());
  ASSERT_NE(backbone, nullptr);
  Collector collector;
  backbone->Start(collector.Sink());
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i) {
    backbone->Publish(Request("t", "x"), [&ok](core::Result<PublishAck> result) {
      if (result.ok()) ok.fetch_add(1);
    });
  }
  backbone->Stop();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(collector.events().size(), 20u);
  auto late = PublishAndWait(*backbone, Request("t", "late"));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "unavailable");
}

TEST(DurableBackbone, OpenRefusesAMissingDataDir) {
  auto opened = DurableBackbone::Open(DurableBackboneOptions{});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, "invalid_argument");
}

}  // namespace
}  // namespace herald::backbone
