#pragma once

#include <chrono>

#include "core/event.h"

namespace herald::core {

// Wall-clock milliseconds since the Unix epoch, for event stamps.
inline UnixMillis WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace herald::core
