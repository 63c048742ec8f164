#pragma once

#include <algorithm>
#include <cstdint>

namespace herald::session {

// A token bucket: `rate_per_second` sustained, bursts up to `burst`. One per connection, on its
// loop thread; a rate of 0 means unlimited.
class RateLimiter {
 public:
  RateLimiter(double rate_per_second, double burst)
      : rate_per_ms_(rate_per_second / 1000.0), burst_(burst), tokens_(burst) {}

  // Takes one token at `now_ms`; false when the bucket is empty.
  bool Allow(int64_t now_ms) {
    if (rate_per_ms_ <= 0) return true;
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ms - last_ms_) * rate_per_ms_);
    last_ms_ = now_ms;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double rate_per_ms_;
  double burst_;
  double tokens_;
  int64_t last_ms_ = 0;
};

}  // namespace herald::session
