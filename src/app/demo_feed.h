#pragma once

#include <memory>

#include "app/periodic_thread.h"
#include "node/node.h"

namespace herald::app {

class SampleData;  // demo_feed.cc

// The built-in sample feed of `herald demo`: sports scores, quotes and weather, published a few
// times a second through the node like any publisher. Owns its thread.
class DemoFeed {
 public:
  DemoFeed(node::Node& node, int interval_ms);
  ~DemoFeed();

 private:
  void PublishOne();

  node::Node& node_;
  std::unique_ptr<SampleData> data_;
  PeriodicThread thread_;  // last: stopped before the data it uses goes
};

}  // namespace herald::app
