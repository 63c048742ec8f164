#pragma once

#include <memory>
#include <vector>

namespace herald::net {

class Connection;

// Writes the loop's scheduled connections with io_uring: one writev submission per connection,
// all submitted with one system call, then every completion handled before returning. Behind
// the same write queue as the writev path (Connection::FillIov / CompleteSubmittedWrite).
// Owned by one EventLoop; loop thread only. Keeps liburing out of widely included headers.
class UringWriter {
 public:
  // nullptr when io_uring is not available (kernel, seccomp): the loop keeps using writev.
  static std::unique_ptr<UringWriter> Create(unsigned entries);
  ~UringWriter();
  UringWriter(const UringWriter&) = delete;
  UringWriter& operator=(const UringWriter&) = delete;

  // Writes every connection with unsent frames; null entries are skipped.
  void Flush(const std::vector<Connection*>& connections);

 private:
  struct Ring;
  explicit UringWriter(std::unique_ptr<Ring> ring);
  std::unique_ptr<Ring> ring_;
};

}  // namespace herald::net
