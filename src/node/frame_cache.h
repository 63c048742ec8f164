#pragma once

#include <array>
#include <cstdint>

#include "core/event.h"

namespace herald::node {

// Wire formats whose frames are shared. The node only knows them as slots; sessions own the
// encoders (node never includes proto).
enum class FrameFormat : uint8_t { kWebSocketJson, kSse, kCount };

// The current event's frames, one per format, built on first use and shared by every
// connection of this shard's loop. Events are delivered one at a time per loop, so holding the
// latest event's frames is enough. One per shard; loop thread only.
class FrameCache {
 public:
  using Encoder = core::SharedBytes (*)(const core::Event& event);

  // The frame of `event` in `format`, encoding it with `encode` on a miss.
  const core::SharedBytes& Get(const core::EventPtr& event, FrameFormat format, Encoder encode);

  uint64_t encodes() const { return encodes_; }

 private:
  core::EventPtr event_;  // keeps the event alive so its address cannot be reused
  std::array<core::SharedBytes, static_cast<size_t>(FrameFormat::kCount)> frames_;
  uint64_t encodes_ = 0;
};

}  // namespace herald::node
