#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace herald::node {

// Counts open connections per client address and refuses those over the limit. The slot it
// hands out gives the count back when released (the connection closes). Thread-safe.
class Admission {
 public:
  explicit Admission(size_t max_per_address) : max_per_address_(max_per_address) {}

  // A slot for one more connection from `address`, or nullptr when it already has the maximum.
  // With a limit of 0 every connection is admitted and nothing is counted.
  std::shared_ptr<void> TryAdmit(const std::string& address);

 private:
  void Release(const std::string& address);

  const size_t max_per_address_;
  std::mutex mutex_;
  std::unordered_map<std::string, uint32_t> open_;  // HERALD_GUARDED_BY(mutex_)
};

}  // namespace herald::node
