#include "driver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "dialect.h"
#include "proc_stats.h"

namespace herald::bench {
namespace {

int64_t NowUs(clockid_t clock = CLOCK_REALTIME) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1'000'000LL + ts.tv_nsec / 1000;
}

bool WriteFull(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ReadFull(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    ssize_t n = read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string TopicOf(const Options& o, int64_t index) {
  if (o.topics <= 1) return o.topic;
  return o.topic + "-" + std::to_string(index % o.topics);
}

// The topic indexes connection `index` subscribes: K distinct ones spread over the topics.
std::vector<int> TopicIndexes(const Options& o, int64_t index) {
  if (o.topics <= 1) return {0};
  int k_count = std::clamp(o.topics_per_conn, 1, o.topics);
  std::vector<int> out;
  for (int k = 0; k < k_count; ++k) {
    out.push_back(
        static_cast<int>((index + static_cast<int64_t>(k) * (o.topics / k_count)) % o.topics));
  }
  return out;
}

int OpenSocket(const Options& o, int64_t index, uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (o.source_ips > 1) {
    // Each source address has its own ephemeral port range: more than 28k connections per
    // destination. The port is chosen at connect time, not bind time.
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(0x7f000001u + static_cast<uint32_t>(index % o.source_ips));
    bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local);
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  inet_pton(AF_INET, o.host.c_str(), &remote.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 &&
      errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

// Finds "key":<integer> in a message; -1 when absent.
int64_t FindNumber(std::string_view text, std::string_view key) {
  size_t at = text.find(key);
  if (at == std::string_view::npos) return -1;
  const char* begin = text.data() + at + key.size();
  int64_t value = -1;
  std::from_chars(begin, text.data() + text.size(), value);
  return value;
}

struct Subscriber {
  int fd = -1;
  std::unique_ptr<SubscriberDialect> dialect;
  int topic_index = 0;
  bool slow = false;
  bool connected = false;
  bool done = false;  // closed or failed
  int64_t received = 0;
  int64_t expected = 0;  // set when publishing is done
  int64_t last_seq = -1;
  bool ever_connected = false;
  bool socket_open = false;  // the TCP connect completed (for the pending-reconnect report)
  int retries = 0;           // failed reconnects retried so far
  std::string last_id;       // Herald dialects: the resume point after a reconnect
};

// A failed reconnect is retried like a real client does, after a jittered pause, this often.
constexpr int kReconnectRetries = 5;

enum class Message : int { kReady = 1, kDone = 2, kReconnect = 3, kExit = 4 };

// The value of "id":"..." in a Herald event message; empty for peers' raw payloads.
std::string_view FindId(std::string_view text) {
  size_t at = text.find("\"id\":\"");
  if (at == std::string_view::npos) return {};
  size_t start = at + 6;
  size_t end = text.find('"', start);
  return end == std::string_view::npos ? std::string_view() : text.substr(start, end - start);
}

struct ReadyMessage {
  int64_t connected, failed, connect_ms;
};

// One client process: its share of the subscribers, on one epoll loop.
void RunClientProcess(const Options& o, int64_t first, int64_t count, int to_parent,
                      int from_parent) {
  int64_t start_us = NowUs(CLOCK_MONOTONIC);
  std::vector<Subscriber> subs(static_cast<size_t>(count));
  int ep = epoll_create1(0);
  ClientResult result;
  int64_t next_to_open = 0, in_flight = 0, last_connect_us = start_us;
  char buffer[65536];
  epoll_event control{};
  control.events = EPOLLIN;
  control.data.u64 = UINT64_MAX;
  epoll_ctl(ep, EPOLL_CTL_ADD, from_parent, &control);
  bool reported_ready = false, done_received = false;
  int64_t cpu_at_ready_us = 0;
  int64_t published = 0, done_at_us = 0;

  // Messages go round-robin over the topics: topic t got published/T (+1 when t < published%T).
  auto expected_for = [&](size_t index) {
    if (o.topics <= 1) return published;
    int64_t sum = 0;
    for (int t : TopicIndexes(o, first + static_cast<int64_t>(index))) {
      sum += published / o.topics + (t < published % o.topics ? 1 : 0);
    }
    return sum;
  };
  // Failed reconnects waiting for their retry: (time, subscriber).
  std::vector<std::pair<int64_t, size_t>> retry_at;
  unsigned retry_seed = static_cast<unsigned>(first) + 1;
  auto fail = [&](Subscriber& s, bool was_connected) {
    if (s.fd >= 0) close(s.fd);
    s.fd = -1;
    if (!s.done) {
      s.done = true;
      if (was_connected) {
        ++result.closed_by_server;
      } else {
        --in_flight;
        if (s.ever_connected) {
          ++result.reconnect_failed;
          if (s.retries < kReconnectRetries) {
            // Refused or closed before it was back (e.g. 503 at a connection limit): retry.
            ++s.retries;
            s.done = false;
            retry_at.emplace_back(
                NowUs(CLOCK_MONOTONIC) + 250'000 + (rand_r(&retry_seed) % 500'000),
                static_cast<size_t>(&s - subs.data()));
            return;
          }
        }
        ++result.failed;
      }
    }
  };
  auto all_delivered = [&] {
    for (const Subscriber& s : subs) {
      if (s.ever_connected && !s.slow && !s.done && s.received < s.expected) return false;
    }
    return true;
  };
  auto open_subscriber = [&](size_t index) {
    Subscriber& s = subs[index];
    s.socket_open = false;
    int64_t global = first + static_cast<int64_t>(index);
    Target target{o.host, o.port, TopicOf(o, global), s.last_id, {}};
    if (o.topics > 1 && o.topics_per_conn > 1) {
      for (int t : TopicIndexes(o, global)) target.topics.push_back(TopicOf(o, t));
    }
    s.dialect = MakeSubscriber(o.subscriber, target, static_cast<uint32_t>(global * 2654435761u));
    s.fd = OpenSocket(o, global, o.port);
    ++in_flight;
    if (s.fd < 0) {
      s.done = true;
      ++result.failed;
      --in_flight;
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN;
    ev.data.u64 = index;
    epoll_ctl(ep, EPOLL_CTL_ADD, s.fd, &ev);
  };
  // Reconnect storm: (time, subscriber) in time order, and the next one due.
  std::vector<std::pair<int64_t, size_t>> storm;
  size_t storm_next = 0;
  int64_t storm_start_us = 0;

  while (true) {
    while (in_flight < 256 && next_to_open < count) {
      int64_t global = first + next_to_open;
      Subscriber& s = subs[static_cast<size_t>(next_to_open++)];
      s.topic_index = o.topics > 1 ? static_cast<int>(global % o.topics) : 0;
      // Every 1/fraction-th subscriber, spread evenly: round(connections * fraction) in all.
      s.slow = o.slow_fraction > 0 &&
               static_cast<int64_t>(static_cast<double>(global + 1) * o.slow_fraction) >
                   static_cast<int64_t>(static_cast<double>(global) * o.slow_fraction);
      open_subscriber(static_cast<size_t>(next_to_open - 1));
    }
    for (int64_t now = NowUs(CLOCK_MONOTONIC);
         storm_next < storm.size() && storm[storm_next].first <= now; ++storm_next) {
      Subscriber& s = subs[storm[storm_next].second];
      if (s.done || s.fd < 0) continue;
      close(s.fd);  // drops the connection; epoll forgets the descriptor
      s.connected = false;
      open_subscriber(storm[storm_next].second);
    }
    for (size_t k = 0; k < retry_at.size();) {
      if (retry_at[k].first > NowUs(CLOCK_MONOTONIC)) {
        ++k;
        continue;
      }
      ++result.reconnect_retries;
      open_subscriber(retry_at[k].second);
      retry_at[k] = retry_at.back();
      retry_at.pop_back();
    }
    if (!reported_ready && next_to_open == count && in_flight == 0) {
      ReadyMessage ready{result.connected, result.failed, (last_connect_us - start_us) / 1000};
      int kind = static_cast<int>(Message::kReady);
      WriteFull(to_parent, &kind, sizeof kind);
      WriteFull(to_parent, &ready, sizeof ready);
      reported_ready = true;
      cpu_at_ready_us = SelfCpuMicros();  // the run's share starts here, not at connecting
    }
    if (done_received &&
        (all_delivered() || NowUs(CLOCK_MONOTONIC) - done_at_us > o.grace_s * 1e6)) {
      break;
    }
    epoll_event events[256];
    int n = epoll_wait(ep, events, 256, 20);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == UINT64_MAX) {
        int kind = 0;
        int64_t value = 0;
        if (!ReadFull(from_parent, &kind, sizeof kind)) _exit(3);
        ReadFull(from_parent, &value, sizeof value);
        if (kind == static_cast<int>(Message::kReconnect)) {
          storm_start_us = NowUs(CLOCK_MONOTONIC);
          uint64_t random = static_cast<uint64_t>(first) * 6364136223846793005ull + 1;
          for (size_t k = 0; k < subs.size(); ++k) {
            random = random * 6364136223846793005ull + 1442695040888963407ull;
            storm.emplace_back(
                storm_start_us +
                    static_cast<int64_t>((random >> 33) % static_cast<uint64_t>(value + 1)),
                k);
          }
          std::sort(storm.begin(), storm.end());
          continue;
        }
        published = value;
        for (size_t k = 0; k < subs.size(); ++k) subs[k].expected = expected_for(k);
        done_received = true;
        done_at_us = NowUs(CLOCK_MONOTONIC);
        continue;
      }
      Subscriber& s = subs[events[i].data.u64];
      if (s.fd < 0) continue;
      if (!s.connected && (events[i].events & EPOLLOUT)) {
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) {
          fail(s, false);
          continue;
        }
        s.socket_open = true;
        std::string opening = s.dialect->Opening();
        if (write(s.fd, opening.data(), opening.size()) != static_cast<ssize_t>(opening.size())) {
          fail(s, false);
          continue;
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = events[i].data.u64;
        epoll_ctl(ep, EPOLL_CTL_MOD, s.fd, &ev);
        continue;
      }
      if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      ssize_t got = read(s.fd, buffer, sizeof buffer);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        fail(s, s.connected);
        continue;
      }
      bool was_ready = s.dialect->ready;
      int64_t now = NowUs();
      bool ok = s.dialect->Feed(
          std::string_view(buffer, static_cast<size_t>(got)), [&](std::string_view payload) {
            int64_t seq = FindNumber(payload, "\"seq\":");
            int64_t sent = FindNumber(payload, "\"t\":");
            if (seq < 0 || sent < 0) {
              // Herald's welcome names the epoch: a subscriber that saw no
              // event yet resumes from its start ("<epoch>:0").
              size_t at = payload.find("\"type\":\"welcome\"");
              size_t epoch = payload.find("\"epoch\":\"");
              if (at != std::string_view::npos && s.last_id.empty() &&
                  epoch != std::string_view::npos) {
                size_t end = payload.find('"', epoch + 9);
                s.last_id = std::string(payload.substr(epoch + 9, end - epoch - 9)) + ":0";
              }
              return;
            }
            if (seq == s.last_seq) {
              ++result.duplicates;
              return;
            }
            if (seq < s.last_seq) ++result.reordered;
            s.last_seq = seq;
            std::string_view id = FindId(payload);
            if (!id.empty()) s.last_id.assign(id);
            ++s.received;
            result.latency.Record(now - sent);
          });
      if (!ok) {
        fail(s, s.connected);
        continue;
      }
      if (!was_ready && s.dialect->ready && !s.connected) {
        s.connected = true;
        --in_flight;
        if (s.ever_connected) {
          ++result.reconnected;
          result.reconnect_ms = (NowUs(CLOCK_MONOTONIC) - storm_start_us) / 1000;
        } else {
          ++result.connected;
          last_connect_us = NowUs(CLOCK_MONOTONIC);
        }
        s.ever_connected = true;
        std::string after = s.dialect->AfterHandshake();
        if (!after.empty() && write(s.fd, after.data(), after.size()) < 0) fail(s, true);
        if (s.slow && s.fd >= 0) epoll_ctl(ep, EPOLL_CTL_DEL, s.fd, nullptr);  // never reads again
      }
      if (!s.dialect->outbox.empty() && s.fd >= 0) {
        [[maybe_unused]] ssize_t w =
            write(s.fd, s.dialect->outbox.data(), s.dialect->outbox.size());
        s.dialect->outbox.clear();
      }
    }
  }
  for (const Subscriber& s : subs) {
    if (s.ever_connected && !s.connected && !s.done) {
      // A reconnect that never finished: say where it stuck, so a lost subscriber is explained.
      ++result.reconnect_pending;
      std::fprintf(stderr, "herald-bench: subscriber %lld never came back: %s\n",
                   static_cast<long long>(first + (&s - subs.data())),
                   s.fd < 0        ? "waiting for a retry"
                   : s.socket_open ? "connected, no handshake reply"
                                   : "TCP connect pending");
    }
    if (!s.ever_connected || s.slow) continue;
    result.expected += s.expected;
    result.received += std::min(s.received, s.expected);
  }
  // Slow subscribers never read: drain them now to learn which the server closed (EOF or reset
  // after what it had queued) and which it still held open. Stops 1 s after the last byte.
  int drain = epoll_create1(0);
  int64_t slow_open = 0;
  for (size_t k = 0; k < subs.size(); ++k) {
    if (!subs[k].slow || subs[k].fd < 0) continue;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = k;
    epoll_ctl(drain, EPOLL_CTL_ADD, subs[k].fd, &ev);
    ++slow_open;
  }
  for (int64_t last_byte = NowUs(CLOCK_MONOTONIC), drain_start = last_byte;
       slow_open > 0 && NowUs(CLOCK_MONOTONIC) - last_byte < 1'000'000 &&
       NowUs(CLOCK_MONOTONIC) - drain_start < 20'000'000;) {
    epoll_event events[256];
    int n = epoll_wait(drain, events, 256, 100);
    for (int i = 0; i < n; ++i) {
      Subscriber& s = subs[events[i].data.u64];
      ssize_t got = read(s.fd, buffer, sizeof buffer);
      if (got > 0) {
        last_byte = NowUs(CLOCK_MONOTONIC);
        continue;
      }
      if (got < 0 && errno == EAGAIN) continue;
      close(s.fd);  // EOF or reset: the server closed it
      s.fd = -1;
      --slow_open;
      ++result.slow_closed;
      ++result.closed_by_server;
    }
  }
  close(drain);
  result.cpu_us = SelfCpuMicros() - cpu_at_ready_us;
  WriteFull(to_parent, &result, sizeof result);
  // Hold every connection open until the parent has read the server's CPU time: closing them
  // is teardown, not delivery, and would be counted in the server's CPU per delivery. The
  // parent sends kExit (or dies: end of file) when it is done.
  int exit_kind = 0;
  ReadFull(from_parent, &exit_kind, sizeof exit_kind);
  _exit(0);
}

// Sends `out` (the opening) and what the dialect queues, reading replies until the dialect is
// ready (a WebSocket upgrade, an MQTT CONNACK); false after 10 s or on an error or close.
bool Handshake(int fd, PublisherDialect& dialect, std::string& out) {
  char buffer[16384];
  int64_t deadline = NowUs(CLOCK_MONOTONIC) + 10'000'000;
  while (!dialect.ready) {
    out += dialect.outbox;
    dialect.outbox.clear();
    if (!out.empty()) {
      ssize_t w = write(fd, out.data(), out.size());
      if (w > 0) out.erase(0, static_cast<size_t>(w));
    }
    if (NowUs(CLOCK_MONOTONIC) > deadline) return false;
    pollfd wait{fd, static_cast<short>(POLLIN | (out.empty() ? 0 : POLLOUT)), 0};
    poll(&wait, 1, 10);
    ssize_t r = read(fd, buffer, sizeof buffer);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return false;
    if (r > 0 && dialect.CountReplies(std::string_view(buffer, static_cast<size_t>(r))) < 0) {
      return false;
    }
  }
  out += dialect.outbox;
  dialect.outbox.clear();
  return true;
}

// One pipelined publisher connection: the dialect that did its handshake and counts its
// replies, and a framer per topic it publishes (made when first needed: with many publishers
// and topics, each connection publishes only its own).
struct PublisherConnection {
  int fd = -1;
  std::unique_ptr<PublisherDialect> session;
  std::vector<std::unique_ptr<PublisherDialect>> framers;  // by topic index
  std::string out;
  int64_t sent = 0, replies = 0, errors = 0;
  bool closed = false;

  PublisherDialect& Framer(const Options& o, int topic) {
    auto& framer = framers[static_cast<size_t>(topic)];
    if (!framer) {
      framer =
          MakePublisher(o.publisher, Target{o.host, o.publish_port, TopicOf(o, topic), "", {}});
    }
    return *framer;
  }
};

// Opens publisher `index` (from 127.0.0.1, whatever --source-ips says) and completes its
// handshake; false with a message on failure.
bool OpenPublisher(const Options& o, int index, PublisherConnection& c) {
  c.framers.resize(static_cast<size_t>(std::max(1, o.topics)));
  c.session =
      MakePublisher(o.publisher, Target{o.host, o.publish_port, TopicOf(o, 0), "", {}, index});
  Options publisher_address;
  publisher_address.host = o.host;
  c.fd = OpenSocket(publisher_address, index, o.publish_port);
  if (c.fd < 0) return false;
  pollfd pfd{c.fd, POLLOUT, 0};
  poll(&pfd, 1, 5000);
  c.out = c.session->Opening();
  if (!c.session->ready && !Handshake(c.fd, *c.session, c.out)) {
    std::fprintf(stderr, "herald-bench: the %s publisher's handshake failed\n",
                 o.publisher.c_str());
    return false;
  }
  return true;
}

// Publishes at the target rate over --publishers pipelined connections: message k goes to
// topic k % topics on connection k % publishers (so each topic has one publisher when the
// topic count is a multiple of the publisher count, and order per topic holds). Returns
// (published, errors).
std::pair<int64_t, int64_t> Publish(const Options& o, double& seconds,
                                    const std::function<void()>& at_reconnect_time,
                                    std::vector<int>& open_fds) {
  bool storm_sent = o.reconnect_at_s <= 0;
  int topics = std::max(1, o.topics);
  std::vector<PublisherConnection> conns(static_cast<size_t>(std::max(1, o.publishers)));
  for (size_t p = 0; p < conns.size(); ++p) {
    if (!OpenPublisher(o, static_cast<int>(p), conns[p])) {
      seconds = 0;
      for (PublisherConnection& c : conns) {
        if (c.fd >= 0) close(c.fd);
      }
      return {0, 1};
    }
  }
  std::string pad(static_cast<size_t>(std::max(0, o.payload_bytes - 40)), 'x');
  int64_t sent = 0;
  int64_t start = NowUs(CLOCK_MONOTONIC);
  int64_t total = static_cast<int64_t>(o.rate * o.duration_s);
  char buffer[65536];
  bool counts_replies = conns[0].session->CountsReplies();
  int64_t deadline = start + static_cast<int64_t>(o.duration_s * 1e6) + 10'000'000;
  std::vector<pollfd> waits(conns.size());
  auto finished = [&] {
    if (sent < total) return false;
    for (const PublisherConnection& c : conns) {
      if (c.closed) continue;
      if (!c.out.empty() || (counts_replies && c.replies < c.sent)) return false;
    }
    return true;
  };
  while (NowUs(CLOCK_MONOTONIC) < deadline) {
    int64_t now = NowUs(CLOCK_MONOTONIC);
    if (!storm_sent && now - start >= static_cast<int64_t>(o.reconnect_at_s * 1e6)) {
      storm_sent = true;
      at_reconnect_time();
    }
    int64_t due = std::min(total, static_cast<int64_t>((now - start) * o.rate / 1e6) + 1);
    while (sent < due) {
      char payload[96];
      int len = std::snprintf(payload, sizeof payload, "{\"seq\":%lld,\"t\":%lld,\"pad\":\"",
                              static_cast<long long>(sent), static_cast<long long>(NowUs()));
      std::string body(payload, static_cast<size_t>(len));
      body += pad;
      body += "\"}";
      PublisherConnection& c =
          conns[static_cast<size_t>(sent % static_cast<int64_t>(conns.size()))];
      c.Framer(o, static_cast<int>(sent % topics)).AppendPublish(c.out, body);
      ++c.sent;
      ++sent;
    }
    for (size_t p = 0; p < conns.size(); ++p) {
      PublisherConnection& c = conns[p];
      if (!c.closed && !c.out.empty()) {
        ssize_t w = write(c.fd, c.out.data(), c.out.size());
        if (w > 0) c.out.erase(0, static_cast<size_t>(w));
      }
      waits[p] = pollfd{c.closed ? -1 : c.fd,
                        static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0};
    }
    if (finished()) break;
    if (poll(waits.data(), waits.size(), sent < total ? 1 : 10) <= 0) continue;
    for (size_t p = 0; p < conns.size(); ++p) {
      if (!(waits[p].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      PublisherConnection& c = conns[p];
      ssize_t r = read(c.fd, buffer, sizeof buffer);
      if (r > 0) {
        PublisherDialect& counter = *c.session;
        int count = counter.CountReplies(std::string_view(buffer, static_cast<size_t>(r)));
        if (count < 0)
          ++c.errors;
        else
          c.replies += count;
        c.out += counter.outbox;  // pongs
        counter.outbox.clear();
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        ++c.errors;
        c.closed = true;
      }
    }
  }
  seconds = static_cast<double>(NowUs(CLOCK_MONOTONIC) - start) / 1e6;
  int64_t errors = 0;
  int64_t refused = 0;
  for (PublisherConnection& c : conns) {
    open_fds.push_back(c.fd);  // closed by the caller once the server's CPU time is read
    errors += c.errors + c.session->refused +
              (counts_replies ? std::max<int64_t>(0, c.sent - c.replies) : 0);
    if (c.session->refused > 0 && refused++ == 0) {
      std::fprintf(stderr, "herald-bench: a publish was refused: %s\n",
                   c.session->first_refusal.c_str());
    }
  }
  if (refused > 1) {
    std::fprintf(stderr, "herald-bench: publishes were refused on %lld publisher connections\n",
                 static_cast<long long>(refused));
  }
  return {sent, errors};
}

}  // namespace

RunResult Run(const Options& o) {
  RunResult run;
  run.options = o;
  run.server_pss_before = PssBytes(o.server_pids);
  struct Child {
    pid_t pid;
    int to_child;
    int from_child;
  };
  std::vector<Child> children;
  int64_t per = o.connections / o.processes, extra = o.connections % o.processes, first = 0;
  for (int p = 0; p < o.processes; ++p) {
    int64_t count = per + (p < extra ? 1 : 0);
    int up[2], down[2];
    if (pipe(up) != 0 || pipe(down) != 0) break;
    pid_t pid = fork();
    if (pid == 0) {
      close(up[0]);
      close(down[1]);
      RunClientProcess(o, first, count, up[1], down[0]);
    }
    close(up[1]);
    close(down[0]);
    children.push_back(Child{pid, down[1], up[0]});
    first += count;
  }
  int64_t slowest_connect_ms = 0;
  for (Child& child : children) {
    int kind = 0;
    ReadyMessage ready{};
    ReadFull(child.from_child, &kind, sizeof kind);
    ReadFull(child.from_child, &ready, sizeof ready);
    run.clients.connected += ready.connected;
    run.clients.failed += ready.failed;
    slowest_connect_ms = std::max(slowest_connect_ms, ready.connect_ms);
  }
  if (o.idle_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(o.idle_s));
  run.server_pss_connected = PssBytes(o.server_pids);
  std::vector<int> publisher_fds;
  int64_t cpu_before = CpuMicros(o.server_pids);
  if (o.duration_s > 0 && o.rate > 0) {
    auto [published, errors] = Publish(
        o, run.publish_seconds,
        [&] {
          for (Child& child : children) {
            int kind = static_cast<int>(Message::kReconnect);
            int64_t spread_us = static_cast<int64_t>(o.reconnect_spread_s * 1e6);
            WriteFull(child.to_child, &kind, sizeof kind);
            WriteFull(child.to_child, &spread_us, sizeof spread_us);
          }
        },
        publisher_fds);
    run.published = published;
    run.publish_errors = errors;
  }
  run.server_pss_after = PssBytes(o.server_pids);
  for (Child& child : children) {
    int kind = static_cast<int>(Message::kDone);
    WriteFull(child.to_child, &kind, sizeof kind);
    WriteFull(child.to_child, &run.published, sizeof run.published);
  }
  auto partial = std::make_unique<ClientResult>();
  for (Child& child : children) {
    if (!ReadFull(child.from_child, partial.get(), sizeof *partial)) continue;
    run.clients.expected += partial->expected;
    run.clients.received += partial->received;
    run.clients.duplicates += partial->duplicates;
    run.clients.reordered += partial->reordered;
    run.clients.closed_by_server += partial->closed_by_server;
    run.clients.slow_closed += partial->slow_closed;
    run.clients.reconnected += partial->reconnected;
    run.clients.reconnect_failed += partial->reconnect_failed;
    run.clients.reconnect_retries += partial->reconnect_retries;
    run.clients.reconnect_pending += partial->reconnect_pending;
    run.clients.reconnect_ms = std::max(run.clients.reconnect_ms, partial->reconnect_ms);
    run.clients.cpu_us += partial->cpu_us;
    run.clients.latency.Merge(partial->latency);
  }
  // Every subscriber has its deliveries (or the grace period ran out); the connections are
  // still open, so their teardown is not in the server's CPU time.
  run.server_cpu_us = CpuMicros(o.server_pids) - cpu_before;
  for (Child& child : children) {
    // An explicit message: the pipe's end of file would not come while younger children,
    // forked with a copy of this write end, are still running.
    int kind = static_cast<int>(Message::kExit);
    WriteFull(child.to_child, &kind, sizeof kind);
  }
  for (Child& child : children) {
    waitpid(child.pid, nullptr, 0);  // it closed its subscribers and exited
    close(child.to_child);
    close(child.from_child);
  }
  for (int fd : publisher_fds) close(fd);
  run.clients.connect_ms = slowest_connect_ms;
  return run;
}

void PrintHuman(const RunResult& r) {
  const ClientResult& c = r.clients;
  double per_conn = c.connected > 0
                        ? static_cast<double>(r.server_pss_connected - r.server_pss_before) /
                              static_cast<double>(c.connected)
                        : 0;
  std::printf(
      "%-28s %s x%d -> %s, %d conns in %d procs, %d topic(s) (%d per conn), %.0f msg/s for %.1f s, "
      "%d B\n",
      r.options.label.empty() ? "run" : r.options.label.c_str(), r.options.publisher.c_str(),
      r.options.publishers, r.options.subscriber.c_str(), r.options.connections,
      r.options.processes, r.options.topics, r.options.topics_per_conn, r.options.rate,
      r.options.duration_s, r.options.payload_bytes);
  std::printf(
      "  connections   %lld ok, %lld failed, %lld ms to connect all, %lld closed by server (%lld "
      "slow)\n",
      static_cast<long long>(c.connected), static_cast<long long>(c.failed),
      static_cast<long long>(c.connect_ms), static_cast<long long>(c.closed_by_server),
      static_cast<long long>(c.slow_closed));
  if (c.reconnected > 0 || c.reconnect_failed > 0) {
    std::printf(
        "  reconnects    %lld back, the last %lld ms after the storm began; %lld attempts failed "
        "(%lld retried), %lld never finished\n",
        static_cast<long long>(c.reconnected), static_cast<long long>(c.reconnect_ms),
        static_cast<long long>(c.reconnect_failed), static_cast<long long>(c.reconnect_retries),
        static_cast<long long>(c.reconnect_pending));
  }
  std::printf(
      "  deliveries    %lld of %lld expected (%lld lost), %lld dup, %lld reordered; %lld "
      "published, %lld publish errors\n",
      static_cast<long long>(c.received), static_cast<long long>(c.expected),
      static_cast<long long>(c.expected - c.received), static_cast<long long>(c.duplicates),
      static_cast<long long>(c.reordered), static_cast<long long>(r.published),
      static_cast<long long>(r.publish_errors));
  std::printf("  latency µs    p50 %lld  p90 %lld  p99 %lld  p99.9 %lld  max %lld\n",
              static_cast<long long>(c.latency.Percentile(0.5)),
              static_cast<long long>(c.latency.Percentile(0.9)),
              static_cast<long long>(c.latency.Percentile(0.99)),
              static_cast<long long>(c.latency.Percentile(0.999)),
              static_cast<long long>(c.latency.max()));
  std::printf(
      "  server        PSS %.1f MB before, %.1f MB connected (%.0f B/conn), %.1f MB after "
      "publishing; CPU %.2f µs/delivery (client %.2f µs)\n",
      static_cast<double>(r.server_pss_before) / 1e6,
      static_cast<double>(r.server_pss_connected) / 1e6, per_conn,
      static_cast<double>(r.server_pss_after) / 1e6,
      c.received > 0 ? static_cast<double>(r.server_cpu_us) / static_cast<double>(c.received) : 0,
      c.received > 0 ? static_cast<double>(c.cpu_us) / static_cast<double>(c.received) : 0);
}

std::string ToJson(const RunResult& r) {
  const ClientResult& c = r.clients;
  char json[2048];
  double per_conn = c.connected > 0
                        ? static_cast<double>(r.server_pss_connected - r.server_pss_before) /
                              static_cast<double>(c.connected)
                        : 0;
  std::snprintf(
      json, sizeof json,
      "{\"label\":\"%s\",\"subscriber\":\"%s\",\"publisher\":\"%s\",\"publishers\":%d,"
      "\"connections\":%d,"
      "\"topics\":%d,\"topics_per_conn\":%d,\"rate\":%.1f,\"duration_s\":%.1f,\"payload_bytes\":%d,"
      "\"slow_fraction\":%.3f,\"connected\":%lld,\"failed\":%lld,\"connect_ms\":%lld,"
      "\"closed_by_server\":%lld,\"slow_closed\":%lld,\"reconnected\":%lld,\"reconnect_failed\":%"
      "lld,\"reconnect_retries\":%lld,\"reconnect_pending\":%lld,\"reconnect_ms\":%lld,"
      "\"published\":%lld,\"publish_errors\":%lld,\"expected\":%lld,"
      "\"received\":%lld,\"lost\":%lld,\"duplicates\":%lld,\"reordered\":%lld,"
      "\"latency_us\":{\"p50\":%lld,\"p90\":%lld,\"p99\":%lld,\"p999\":%lld,\"max\":%lld},"
      "\"server_pss_before\":%lld,\"server_pss_connected\":%lld,\"pss_per_conn\":%.0f,"
      "\"server_pss_after\":%lld,\"publish_seconds\":%.3f,"
      "\"server_cpu_us\":%lld,\"server_cpu_us_per_delivery\":%.3f,"
      "\"client_cpu_us_per_delivery\":%.3f}",
      r.options.label.c_str(), r.options.subscriber.c_str(), r.options.publisher.c_str(),
      r.options.publishers, r.options.connections, r.options.topics, r.options.topics_per_conn,
      r.options.rate, r.options.duration_s, r.options.payload_bytes, r.options.slow_fraction,
      static_cast<long long>(c.connected), static_cast<long long>(c.failed),
      static_cast<long long>(c.connect_ms), static_cast<long long>(c.closed_by_server),
      static_cast<long long>(c.slow_closed), static_cast<long long>(c.reconnected),
      static_cast<long long>(c.reconnect_failed), static_cast<long long>(c.reconnect_retries),
      static_cast<long long>(c.reconnect_pending), static_cast<long long>(c.reconnect_ms),
      static_cast<long long>(r.published), static_cast<long long>(r.publish_errors),
      static_cast<long long>(c.expected), static_cast<long long>(c.received),
      static_cast<long long>(c.expected - c.received), static_cast<long long>(c.duplicates),
      static_cast<long long>(c.reordered), static_cast<long long>(c.latency.Percentile(0.5)),
      static_cast<long long>(c.latency.Percentile(0.9)),
      static_cast<long long>(c.latency.Percentile(0.99)),
      static_cast<long long>(c.latency.Percentile(0.999)), static_cast<long long>(c.latency.max()),
      static_cast<long long>(r.server_pss_before), static_cast<long long>(r.server_pss_connected),
      per_conn, static_cast<long long>(r.server_pss_after), r.publish_seconds,
      static_cast<long long>(r.server_cpu_us),
      c.received > 0 ? static_cast<double>(r.server_cpu_us) / static_cast<double>(c.received) : 0,
      c.received > 0 ? static_cast<double>(c.cpu_us) / static_cast<double>(c.received) : 0);
  return json;
}

}  // namespace herald::bench
