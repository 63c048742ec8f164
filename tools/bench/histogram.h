#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace herald::bench {

// A latency histogram with HDR-style log-linear buckets: 64 sub-buckets per power of two from
// 1 µs to ~2^30 µs, so every recorded value is within 1.6% of its bucket. Plain data: children
// send it to the parent through a pipe as bytes.
class Histogram {
 public:
  static constexpr int kSubBuckets = 64;
  static constexpr int kPowers = 31;

  void Record(int64_t micros) {
    if (micros < 1) micros = 1;
    ++counts_[Index(static_cast<uint64_t>(micros))];
    ++total_;
    if (micros > max_) max_ = micros;
  }
  void Merge(const Histogram& other) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    if (other.max_ > max_) max_ = other.max_;
  }
  // The value at `quantile` (0..1), as the upper edge of its bucket, in µs.
  int64_t Percentile(double quantile) const {
    if (total_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(std::ceil(quantile * static_cast<double>(total_)));
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return UpperEdge(i) < max_ ? UpperEdge(i) : max_;
    }
    return max_;
  }
  uint64_t total() const { return total_; }
  int64_t max() const { return max_; }

 private:
  static size_t Index(uint64_t v) {
    int power = 63 - __builtin_clzll(v);           // floor(log2 v)
    if (power < 6) return static_cast<size_t>(v);  // exact below 64 µs
    if (power >= kPowers + 6) power = kPowers + 5;
    uint64_t sub = (v >> (power - 6)) & (kSubBuckets - 1);
    return static_cast<size_t>((power - 5) * kSubBuckets + static_cast<int>(sub));
  }
  static int64_t UpperEdge(size_t index) {
    if (index < kSubBuckets) return static_cast<int64_t>(index);
    int power = static_cast<int>(index / kSubBuckets) + 5;
    uint64_t sub = index % kSubBuckets;
    return static_cast<int64_t>(((kSubBuckets + sub + 1) << (power - 6)) - 1);
  }
  std::array<uint64_t, (kPowers + 1) * kSubBuckets> counts_{};
  uint64_t total_ = 0;
  int64_t max_ = 0;
};

}  // namespace herald::bench
