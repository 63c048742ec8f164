// The kernel's part of one delivery on this machine, with no server around it: CPU time per
// loopback TCP write of one small frame (plain send(), and a whole round in one io_uring
// submission as Herald writes) and per read of it on the other end (which also sends the ACK
// and processes it, on loopback, in the reader's context). Fan-out cannot cost less than the
// write; a load client on the same cores cannot cost less than the read. No reader waits in
// epoll here, so the wake-ups a real subscriber costs come on top.
// Usage: herald-kernel-cost [CONNECTIONS [ROUNDS [BYTES]]]   (defaults 2000 200 150; BYTES
// at most 16384)
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace {

double ThreadCpuMicros() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "herald-kernel-cost: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

// Connected loopback pairs: the writer side (non-blocking, TCP_NODELAY, as a server's) and
// the reader side. Owns every descriptor.
class LoopbackPairs {
 public:
  explicit LoopbackPairs(int count) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener_, 4096) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      Fail("listen on loopback");
    }
    for (int i = 0; i < count; ++i) {
      int reader = socket(AF_INET, SOCK_STREAM, 0);
      if (reader < 0) Fail("socket (raise the open-file limit or use fewer connections)");
      readers.push_back(reader);
      if (connect(reader, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        Fail("connect");
      }
      int writer = accept(listener_, nullptr, nullptr);
      if (writer < 0) Fail("accept");
      writers.push_back(writer);
      int one = 1;
      setsockopt(writer, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fcntl(writer, F_SETFL, O_NONBLOCK);
    }
  }
  ~LoopbackPairs() {
    for (int fd : readers) close(fd);
    for (int fd : writers) close(fd);
    close(listener_);
  }
  LoopbackPairs(const LoopbackPairs&) = delete;
  LoopbackPairs& operator=(const LoopbackPairs&) = delete;

  std::vector<int> readers;
  std::vector<int> writers;

 private:
  int listener_ = -1;
};

struct Costs {
  double write_us = 0;  // CPU per write, summed over rounds
  double read_us = 0;   // CPU per read, summed over rounds
};

// Reads every reader once (each holds one frame), returning the CPU it took; a short read
// means a write was lost, which would make the figures meaningless.
double ReadRound(const LoopbackPairs& pairs, size_t bytes) {
  std::vector<char> buffer(bytes + 4096);
  double start = ThreadCpuMicros();
  for (int fd : pairs.readers) {
    if (read(fd, buffer.data(), buffer.size()) != static_cast<ssize_t>(bytes)) Fail("read");
  }
  return ThreadCpuMicros() - start;
}

Costs MeasureSend(const LoopbackPairs& pairs, int rounds, const std::string& frame) {
  Costs costs;
  for (int round = 0; round < rounds; ++round) {
    double start = ThreadCpuMicros();
    for (int fd : pairs.writers) {
      if (send(fd, frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL) !=
          static_cast<ssize_t>(frame.size())) {
        Fail("send");
      }
    }
    costs.write_us += ThreadCpuMicros() - start;
    costs.read_us += ReadRound(pairs, frame.size());
  }
  return costs;
}

// Empty when io_uring is unavailable (kernel, seccomp), as Herald then writes with writev.
std::optional<Costs> MeasureUring(const LoopbackPairs& pairs, int rounds,
                                  const std::string& frame) {
  io_uring ring{};
  unsigned entries = static_cast<unsigned>(pairs.writers.size());
  if (int error = io_uring_queue_init(entries, &ring, 0); error < 0) {
    std::fprintf(stderr, "herald-kernel-cost: io_uring unavailable: %s\n", std::strerror(-error));
    return std::nullopt;
  }
  iovec iov{const_cast<char*>(frame.data()), frame.size()};
  Costs costs;
  for (int round = 0; round < rounds; ++round) {
    double start = ThreadCpuMicros();
    for (int fd : pairs.writers) {
      io_uring_prep_writev2(io_uring_get_sqe(&ring), fd, &iov, 1, 0, RWF_NOWAIT);
    }
    if (int error = io_uring_submit_and_wait(&ring, entries); error < 0) {
      errno = -error;
      Fail("io_uring_submit_and_wait");
    }
    io_uring_cqe* cqe = nullptr;
    unsigned head = 0, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      if (cqe->res != static_cast<int>(frame.size())) {
        errno = cqe->res < 0 ? -cqe->res : EIO;
        Fail("io_uring write");
      }
      ++seen;
    }
    io_uring_cq_advance(&ring, seen);
    costs.write_us += ThreadCpuMicros() - start;
    costs.read_us += ReadRound(pairs, frame.size());
  }
  io_uring_queue_exit(&ring);
  return costs;
}

}  // namespace

int main(int argc, char** argv) {
  int connections = argc > 1 ? std::atoi(argv[1]) : 2000;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 200;
  int bytes = argc > 3 ? std::atoi(argv[3]) : 150;
  // Up to 16 KiB a frame fits an idle loopback socket's buffers whole, so each write and read
  // moves it in one call.
  if (connections < 1 || rounds < 1 || bytes < 1 || bytes > 16384) {
    std::fprintf(stderr, "usage: herald-kernel-cost [CONNECTIONS [ROUNDS [BYTES (1-16384)]]]\n");
    return 2;
  }
  LoopbackPairs pairs(connections);
  std::string frame(static_cast<size_t>(bytes), 'x');
  double per = static_cast<double>(connections) * rounds;
  Costs send_costs = MeasureSend(pairs, rounds, frame);
  std::optional<Costs> uring_costs = MeasureUring(pairs, rounds, frame);
  double read_us = send_costs.read_us / per;
  char uring_write[32] = "null";
  if (uring_costs) {
    read_us = (send_costs.read_us + uring_costs->read_us) / per / 2;
    std::snprintf(uring_write, sizeof uring_write, "%.3f", uring_costs->write_us / per);
  }
  std::printf("%d connections x %d rounds x %d B (CPU µs per operation)\n", connections, rounds,
              bytes);
  std::printf("  send():            %.2f\n", send_costs.write_us / per);
  std::printf("  io_uring writev:   %s\n", uring_write);
  std::printf("  read() + its ACK:  %.2f\n", read_us);
  std::printf(
      "{\"connections\":%d,\"rounds\":%d,\"bytes\":%d,\"send_us\":%.3f,\"uring_write_us\":%s,"
      "\"read_us\":%.3f}\n",
      connections, rounds, bytes, send_costs.write_us / per, uring_write, read_us);
  return 0;
}
