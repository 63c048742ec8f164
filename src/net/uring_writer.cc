#include "net/uring_writer.h"

#include <liburing.h>
#include <spdlog/spdlog.h>
#include <sys/uio.h>

#include <cstring>

#include "net/connection.h"

namespace herald::net {

namespace {
// Frames per connection per submission; a connection with more finishes with plain writev
// (CompleteSubmittedWrite). 64 keeps the loop's iovec pool at 1 MiB for 1,024 entries.
constexpr size_t kIovPerSubmission = 64;
}  // namespace

struct UringWriter::Ring {
  io_uring ring{};
  unsigned entries = 0;
  std::vector<iovec> iovs;  // kIovPerSubmission per submitted connection, alive until completion
  std::vector<Connection*> submitted;  // index = user_data
};

std::unique_ptr<UringWriter> UringWriter::Create(unsigned entries) {
  auto ring = std::make_unique<Ring>();
  int error = io_uring_queue_init(entries, &ring->ring, 0);
  if (error < 0) {
    spdlog::warn("io_uring unavailable ({}); writing with writev", std::strerror(-error));
    return nullptr;
  }
  ring->entries = entries;
  ring->iovs.resize(static_cast<size_t>(entries) * kIovPerSubmission);
  return std::unique_ptr<UringWriter>(new UringWriter(std::move(ring)));
}

UringWriter::UringWriter(std::unique_ptr<Ring> ring) : ring_(std::move(ring)) {}

UringWriter::~UringWriter() { io_uring_queue_exit(&ring_->ring); }

void UringWriter::Flush(const std::vector<Connection*>& connections) {
  size_t next = 0;
  while (next < connections.size()) {
    // One batch: up to `entries` connections, one submit-and-wait.
    ring_->submitted.clear();
    for (; next < connections.size() && ring_->submitted.size() < ring_->entries; ++next) {
      Connection* connection = connections[next];
      if (connection == nullptr) continue;
      connection->BeginSubmittedWrite();
      if (!connection->has_unsent()) {
        connection->CompleteSubmittedWrite(0);
        continue;
      }
      iovec* iov = ring_->iovs.data() + ring_->submitted.size() * kIovPerSubmission;
      size_t count = connection->FillIov(iov, kIovPerSubmission);
      io_uring_sqe* sqe = io_uring_get_sqe(&ring_->ring);
      // RWF_NOWAIT: a full socket answers -EAGAIN at once. Without it io_uring ignores the
      // socket's O_NONBLOCK, parks the write until the socket has room, and the wait below
      // would hold the whole loop on one client that stopped reading.
      io_uring_prep_writev2(sqe, connection->fd(), iov, static_cast<unsigned>(count), 0,
                            RWF_NOWAIT);
      io_uring_sqe_set_data64(sqe, ring_->submitted.size());
      ring_->submitted.push_back(connection);
    }
    if (ring_->submitted.empty()) continue;
    unsigned wanted = static_cast<unsigned>(ring_->submitted.size());
    int submitted = io_uring_submit_and_wait(&ring_->ring, wanted);
    if (submitted < 0) {
      // The ring itself failed: finish this batch with plain writes.
      for (Connection* connection : ring_->submitted) connection->FlushNow();
      continue;
    }
    unsigned seen = 0;
    while (seen < wanted) {
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe(&ring_->ring, &cqe) < 0) break;
      Connection* connection = ring_->submitted[io_uring_cqe_get_data64(cqe)];
      int result = cqe->res;
      io_uring_cqe_seen(&ring_->ring, cqe);
      ++seen;
      connection->CompleteSubmittedWrite(result);
    }
  }
}

}  // namespace herald::net
