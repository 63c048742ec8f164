#pragma once

#include <mutex>

#include "backbone/backbone.h"

namespace herald::backbone {

// The embedded backbone: an in-process log without persistence. Every start is a new epoch.
// Publish is synchronous: the event reaches the sink, in seq order, before `done` runs.
// Thread-safe.
class LocalBackbone final : public Backbone {
 public:
  LocalBackbone();
  void Start(EventSink sink) override;
  void Publish(PublishRequest request, PublishDone done) override;
  std::string epoch() const override { return epoch_; }

 private:
  const std::string epoch_;
  EventSink sink_;
  std::mutex mutex_;       // orders seq assignment with delivery to the sink
  uint64_t last_seq_ = 0;  // HERALD_GUARDED_BY(mutex_)
};

// A fresh random epoch: 12 characters of [A-Za-z0-9_-].
std::string NewEpoch();

}  // namespace herald::backbone
