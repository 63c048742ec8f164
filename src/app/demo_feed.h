#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "node/node.h"

namespace herald::app {

// The built-in sample feed of `herald demo`: sports scores, quotes and weather, published a few
// times a second through the node like any publisher. Owns its thread.
class DemoFeed {
 public:
  DemoFeed(node::Node& node, int interval_ms);
  ~DemoFeed();
  DemoFeed(const DemoFeed&) = delete;
  DemoFeed& operator=(const DemoFeed&) = delete;

 private:
  void Run();

  node::Node& node_;
  const int interval_ms_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // HERALD_GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace herald::app
