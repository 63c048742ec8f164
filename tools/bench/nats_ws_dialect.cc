// The NATS text protocol inside WebSocket frames, to nats-server's websocket listener:
// "nats-ws", for subscribers and publishers.
#include <charconv>

#include "dialect.h"
#include "ws_stream.h"

namespace herald::bench {
namespace {

constexpr std::string_view kConnect = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n";

std::string Subject(std::string_view topic) {  // as dialect.cc: '/' becomes '.'
  std::string out(topic);
  for (char& c : out) {
    if (c == '/') c = '.';
  }
  return out;
}

// NATS server-to-client lines from a byte stream: MSG with its payload, PING (answered), PONG,
// -ERR. `buffer` keeps an incomplete line or message between calls.
struct Lines {
  std::string buffer;
  bool pong = false;  // a PONG has arrived
  bool error = false;

  // Emits MSG payloads; returns how many PINGs came (each wants a PONG).
  template <typename F>
  int Consume(std::string_view bytes, F&& on_message) {
    buffer.append(bytes);
    int pings = 0;
    size_t pos = 0;
    while (true) {
      size_t eol = buffer.find("\r\n", pos);
      if (eol == std::string::npos) break;
      std::string_view line(buffer.data() + pos, eol - pos);
      if (line.substr(0, 4) == "MSG ") {
        size_t last_space = line.rfind(' ');
        size_t length = 0;
        std::from_chars(line.data() + last_space + 1, line.data() + line.size(), length);
        if (buffer.size() < eol + 2 + length + 2) break;
        on_message(std::string_view(buffer.data() + eol + 2, length));
        pos = eol + 2 + length + 2;
        continue;
      }
      if (line == "PING") ++pings;
      if (line == "PONG") pong = true;
      if (line.substr(0, 4) == "-ERR") error = true;
      pos = eol + 2;
    }
    buffer.erase(0, pos);
    return pings;
  }
};

// After the upgrade: CONNECT, SUB and PING, each in its own frame; ready on the PONG, which
// nats-server sends only after it has processed the SUB.
class NatsWsSubscriber final : public SubscriberDialect {
 public:
  NatsWsSubscriber(const Target& target, uint32_t seed)
      : host_(target.host), seed_(seed), ws_(seed) {
    for (const std::string& t : TopicsOf(target)) subjects_.push_back(Subject(t));
  }

  std::string Opening() override { return WsStream::Request("/", host_, "", seed_); }

 protected:
  bool Parse(std::string_view bytes, void (*emit)(void*, std::string_view), void* ctx) override {
    bool was_upgraded = ws_.upgraded();
    data_.clear();
    if (!ws_.Feed(bytes, data_, outbox)) return false;
    if (!was_upgraded && ws_.upgraded()) {
      outbox += ws_.Frame(kConnect);
      for (size_t i = 0; i < subjects_.size(); ++i) {  // one SUB per subject, sids 1..K
        outbox += ws_.Frame("SUB " + subjects_[i] + " " + std::to_string(i + 1) + "\r\n");
      }
      outbox += ws_.Frame("PING\r\n");
    }
    if (data_.empty()) return true;
    int pings = lines_.Consume(data_, [&](std::string_view payload) { emit(ctx, payload); });
    for (int i = 0; i < pings; ++i) outbox += ws_.Frame("PONG\r\n");
    ready = lines_.pong;
    return !lines_.error;
  }

 private:
  std::string host_;
  std::vector<std::string> subjects_;
  uint32_t seed_;
  WsStream ws_;
  Lines lines_;
  std::string data_;  // payloads of the frames of one read
};

// After the upgrade: CONNECT and PING; ready on the PONG; then one PUB per frame.
class NatsWsPublisher final : public PublisherDialect {
 public:
  explicit NatsWsPublisher(const Target& target)
      : host_(target.host), subject_(Subject(target.topic)), ws_(0x6a7500d1u) {
    ready = false;
  }

  std::string Opening() override { return WsStream::Request("/", host_, "", 0); }

  void AppendPublish(std::string& out, std::string_view payload) override {
    command_ = "PUB " + subject_ + " " + std::to_string(payload.size()) + "\r\n";
    command_.append(payload);
    command_ += "\r\n";
    out += ws_.Frame(command_);
  }

  int CountReplies(std::string_view bytes) override {
    bool was_upgraded = ws_.upgraded();
    data_.clear();
    if (!ws_.Feed(bytes, data_, outbox)) return -1;
    if (!was_upgraded && ws_.upgraded()) {
      outbox += ws_.Frame(kConnect);
      outbox += ws_.Frame("PING\r\n");
    }
    int pings = lines_.Consume(data_, [](std::string_view) {});
    for (int i = 0; i < pings; ++i) outbox += ws_.Frame("PONG\r\n");
    ready = lines_.pong;
    if (lines_.error) {
      lines_.error = false;
      return -1;
    }
    return 0;
  }

  bool CountsReplies() const override { return false; }

 private:
  std::string host_;
  std::string subject_;
  WsStream ws_;
  Lines lines_;
  std::string data_;
  std::string command_;
};

}  // namespace

std::unique_ptr<SubscriberDialect> MakeNatsWsSubscriber(const std::string& name,
                                                        const Target& target, uint32_t seed) {
  if (name != "nats-ws") return nullptr;
  return std::make_unique<NatsWsSubscriber>(target, seed);
}

std::unique_ptr<PublisherDialect> MakeNatsWsPublisher(const std::string& name,
                                                      const Target& target) {
  if (name != "nats-ws") return nullptr;
  return std::make_unique<NatsWsPublisher>(target);
}

}  // namespace herald::bench
