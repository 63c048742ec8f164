#include "net/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>

namespace herald::net {

Connection::Connection(EventLoop& loop, int fd, const Endpoint& peer, ConnectionHandler* handler)
    : loop_(loop), handler_(handler), fd_(fd), peer_(peer) {
  loop_.Add(fd_, EPOLLIN | EPOLLRDHUP, this);
}

Connection::~Connection() {
  if (flush_scheduled_) loop_.CancelFlush(this);
  if (fd_ >= 0) {
    loop_.Remove(fd_);
    ::close(fd_);
  }
}

void Connection::LimitKernelUnsent(size_t bytes) {
  if (fd_ < 0 || bytes == 0) return;
  int value = static_cast<int>(std::min<size_t>(bytes, INT_MAX));
  setsockopt(fd_, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &value, sizeof value);
}

EnqueueResult Connection::Enqueue(core::SharedBytes bytes) {
  if (fd_ < 0 || bytes->empty()) return EnqueueResult::kQueued;
  queued_bytes_ += bytes->size();
  queue_.push_back(std::move(bytes));
  ScheduleFlush();
  if (queued_bytes_ <= queue_limit_bytes_) return EnqueueResult::kQueued;
  // Past the limit before this turn's write: a burst, not yet a slow reader. Write what the
  // socket takes now; only what it refuses counts. A failed write is left to the scheduled
  // flush, which reports it.
  if (!want_write_) WriteQueued();
  return queued_bytes_ > queue_limit_bytes_ ? EnqueueResult::kOverLimit : EnqueueResult::kQueued;
}

EnqueueResult Connection::Enqueue(std::string bytes) {
  return Enqueue(std::make_shared<const std::string>(std::move(bytes)));
}

void Connection::ScheduleFlush() {
  // While EPOLLOUT is armed the loop will call us when the socket drains; no need to try now.
  if (flush_scheduled_ || want_write_) return;
  flush_scheduled_ = true;
  loop_.ScheduleFlush(this);
}

size_t Connection::FillIov(iovec* iov, size_t max) const {
  size_t count = 0;
  for (size_t i = head_; i < queue_.size() && count < max; ++i, ++count) {
    const std::string& frame = *queue_[i];
    size_t skip = i == head_ ? head_offset_ : 0;
    iov[count].iov_base = const_cast<char*>(frame.data() + skip);
    iov[count].iov_len = frame.size() - skip;
  }
  return count;
}

void Connection::Advance(size_t written) {
  loop_.stats().bytes_written.Add(written);
  bytes_written_ += written;
  queued_bytes_ -= written;
  while (written > 0) {
    size_t rest = queue_[head_]->size() - head_offset_;
    if (written < rest) {
      head_offset_ += written;
      written = 0;
    } else {
      written -= rest;
      queue_[head_].reset();
      ++head_;
      head_offset_ = 0;
    }
  }
}

int Connection::WriteQueued() {
  iovec iov[kMaxIov];
  while (head_ < queue_.size()) {
    size_t count = FillIov(iov, kMaxIov);
    ssize_t written = ::writev(fd_, iov, static_cast<int>(count));
    loop_.stats().writev_calls.Add(1);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      return errno;
    }
    Advance(static_cast<size_t>(written));
  }
  return 0;
}

void Connection::FlushNow() {
  flush_scheduled_ = false;
  if (fd_ < 0) return;
  if (int error = WriteQueued()) {
    Close(std::string("write failed: ") + std::strerror(error));
    return;
  }
  FinishFlush();
}

void Connection::CompleteSubmittedWrite(int result) {
  if (fd_ < 0) return;
  if (result < 0) {
    if (result == -EAGAIN || result == -EWOULDBLOCK || result == -EINTR) {
      FinishFlush();  // arms EPOLLOUT: the rest goes when the socket drains
      return;
    }
    if (result == -EOPNOTSUPP) {
      FlushNow();  // a kernel without RWF_NOWAIT for sockets: write this one with writev
      return;
    }
    Close(std::string("write failed: ") + std::strerror(-result));
    return;
  }
  Advance(static_cast<size_t>(result));
  if (head_ < queue_.size()) {
    FlushNow();  // a partial write or more frames than one submission: finish synchronously
    return;
  }
  FinishFlush();
}

void Connection::FinishFlush() {
  if (fd_ < 0) return;
  bool drained = head_ == queue_.size();
  if (drained) {
    queue_.clear();
    head_ = 0;
    if (queue_.capacity() > 64) queue_.shrink_to_fit();  // idle connections keep no big arrays
  } else if (head_ > 1024) {
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  bool was_blocked = want_write_;
  want_write_ = !drained;
  if (was_blocked != want_write_) UpdateInterest();
  if (drained) {
    if (close_after_flush_) {
      Close("closed after flush");
      return;
    }
    if (notify_drained_) {
      notify_drained_ = false;
      handler_->OnDrained();
    }
  }
}

void Connection::UpdateInterest() {
  if (fd_ < 0) return;
  // EPOLLRDHUP only while reading: level-triggered, it would fire on every turn otherwise.
  uint32_t events = 0;
  if (reading_) events |= EPOLLIN | EPOLLRDHUP;
  if (want_write_) events |= EPOLLOUT;
  loop_.Modify(fd_, events, this);
}

void Connection::PauseReading() {
  if (!reading_) return;
  reading_ = false;
  UpdateInterest();
}

void Connection::ResumeReading() {
  if (reading_ || close_after_flush_) return;
  reading_ = true;
  UpdateInterest();
}

void Connection::CloseAfterFlush() {
  if (fd_ < 0) return;
  close_after_flush_ = true;
  reading_ = false;
  // Half-close is not used: some clients treat FIN as an error before reading the response.
  UpdateInterest();
  ScheduleFlush();
  if (queue_.empty() && !flush_scheduled_) Close("closed after flush");
}

void Connection::Close(std::string_view reason) {
  if (fd_ < 0) return;
  loop_.Remove(fd_);
  ::close(fd_);
  fd_ = -1;
  admission_.reset();
  queue_.clear();
  queue_.shrink_to_fit();
  queued_bytes_ = 0;
  head_ = head_offset_ = 0;
  handler_->OnClosed(reason);
}

void Connection::OnIo(uint32_t epoll_events) {
  if (epoll_events & EPOLLOUT) {
    FlushNow();
    if (fd_ < 0) return;
  }
  if (!reading_ && (epoll_events & (EPOLLHUP | EPOLLERR))) {
    Close("connection reset");
    return;
  }
  if (epoll_events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ReadAvailable();
}

void Connection::ReadAvailable() {
  // A bounded number of reads per wake-up keeps one busy client from starving the loop.
  for (int round = 0; round < 4 && fd_ >= 0 && reading_; ++round) {
    ssize_t n = ::read(fd_, loop_.read_buffer(), EventLoop::kReadBufferBytes);
    if (n > 0) {
      handler_->OnData(std::string_view(loop_.read_buffer(), static_cast<size_t>(n)));
      if (static_cast<size_t>(n) < EventLoop::kReadBufferBytes) return;
      continue;
    }
    if (n == 0) {
      Close("peer closed");
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    Close(std::string("read failed: ") + std::strerror(errno));
    return;
  }
}

}  // namespace herald::net
