#include "node/frame_cache.h"

namespace herald::node {

const core::SharedBytes& FrameCache::Get(const core::EventPtr& event, FrameFormat format,
                                         Encoder encode) {
  if (event_ != event) {
    event_ = event;
    for (auto& frame : frames_) frame.reset();
  }
  core::SharedBytes& frame = frames_[static_cast<size_t>(format)];
  if (!frame) {
    frame = encode(*event);
    ++encodes_;
  }
  return frame;
}

}  // namespace herald::node
