#include "dialect.h"

#include <charconv>
#include <cstring>

#include "proto/ws/codec.h"

namespace herald::bench {
namespace {

std::string Channel(std::string_view topic) {  // Nchan and Redis: \w+ names
  std::string out(topic);
  for (char& c : out) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_')) c = '_';
  }
  return out;
}

// One channel: /sub/<channel>. Several: /msub/<c1>,<c2>,... (bench/peers/nginx-nchan.conf splits
// the id on commas: Nchan's multiplexed channels, at most 255).
std::string NchanSubscribePath(const std::vector<std::string>& topics) {
  if (topics.size() == 1) return "/sub/" + Channel(topics[0]);
  std::string path = "/msub/";
  for (const std::string& t : topics) path += (path.size() == 6 ? "" : ",") + Channel(t);
  return path;
}

std::string Subject(std::string_view topic) {  // NATS: '/' becomes '.'
  std::string out(topic);
  for (char& c : out) {
    if (c == '/') c = '.';
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Shared by the dialects that first read an HTTP response head.
class HttpHeadThen : public SubscriberDialect {
 protected:
  // Returns the bytes after the head once it has arrived; nullopt-like empty+false before.
  bool TakeHead(std::string_view& bytes, bool& failed) {
    if (ready) return true;
    head_.append(bytes);
    size_t end = head_.find("\r\n\r\n");
    if (end == std::string::npos) {
      bytes = {};
      failed = head_.size() > 16384;
      return false;
    }
    failed = !(head_.compare(9, 3, "101") == 0 || head_.compare(9, 3, "200") == 0);
    rest_ = head_.substr(end + 4);
    head_.clear();
    head_.shrink_to_fit();
    bytes = rest_;
    ready = !failed;
    return ready;
  }
  std::string head_;
  std::string rest_;
};

std::string WebSocketRequest(const std::string& path, const Target& target, uint32_t seed) {
  // A fixed-format key is fine for a load client: servers only check it is 16 bytes of base64.
  char key[32];
  std::snprintf(key, sizeof key, "%08xAAAAAAAAAAAAAA==", seed);
  return "GET " + path + " HTTP/1.1\r\nHost: " + target.host +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
         "\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// With `subscribe`, the subscribe message goes out right after the upgrade and the subscriber
// is ready only on Herald's {"type":"subscribed"} reply: counted as connected at the upgrade, a
// subscriber could miss the first events when publishing starts before its subscribe is applied.
class WebSocketSubscriber final : public HttpHeadThen {
 public:
  WebSocketSubscriber(std::string request, std::string subscribe, uint32_t seed)
      : request_(std::move(request)), subscribe_(std::move(subscribe)), seed_(seed) {}
  std::string Opening() override { return request_; }

 protected:
  bool Parse(std::string_view bytes, void (*emit)(void*, std::string_view), void* ctx) override {
    if (!upgraded_) {
      bool failed = false;
      if (!TakeHead(bytes, failed)) return !failed;
      upgraded_ = true;
      if (!subscribe_.empty()) {
        ready = false;
        outbox += proto::ws::EncodeMaskedFrame(proto::ws::Opcode::kText, subscribe_, seed_);
      }
    }
    if (!buffer_.empty()) {
      buffer_.append(bytes);
      bytes = buffer_;
    }
    size_t used = 0;
    proto::ws::Message message;
    while (true) {
      auto result = decoder_.Decode(bytes.substr(used), message);
      used += result.consumed;
      if (result.kind == proto::ws::DecodeResult::Kind::kError) return false;
      if (result.kind == proto::ws::DecodeResult::Kind::kNeedMore) {
        if (result.consumed == 0) break;
        continue;
      }
      if (message.kind == proto::ws::Message::Kind::kText) {
        if (!ready && message.payload.find("\"type\":\"subscribed\"") != std::string::npos) {
          ready = true;
        }
        if (!ready && message.payload.find("\"type\":\"error\"") != std::string::npos) {
          return false;  // the subscribe was refused
        }
        emit(ctx, message.payload);
      }
      if (message.kind == proto::ws::Message::Kind::kPing) {
        outbox += proto::ws::EncodeMaskedFrame(proto::ws::Opcode::kPong, message.payload, seed_);
      }
    }
    std::string rest(bytes.substr(used));
    buffer_.swap(rest);
    return true;
  }

 private:
  std::string request_;
  std::string subscribe_;
  uint32_t seed_;
  bool upgraded_ = false;
  std::string buffer_;
  proto::ws::Decoder decoder_{proto::ws::Role::kClient, proto::ws::DecoderLimits{16 << 20}};
};

class SseSubscriber final : public HttpHeadThen {
 public:
  explicit SseSubscriber(std::string request) : request_(std::move(request)) {}
  std::string Opening() override { return request_; }

 protected:
  bool Parse(std::string_view bytes, void (*emit)(void*, std::string_view), void* ctx) override {
    bool failed = false;
    if (!TakeHead(bytes, failed)) return !failed;
    line_.append(bytes);
    size_t start = 0;
    while (true) {
      size_t end = line_.find('\n', start);
      if (end == std::string::npos) break;
      std::string_view line(line_.data() + start, end - start);
      if (line.substr(0, 5) == "data:") emit(ctx, line.substr(5));
      start = end + 1;
    }
    line_.erase(0, start);
    return true;
  }

 private:
  std::string request_;
  std::string line_;
};

// One SUB per subject (sids 1..K), then PING: ready on the PONG, after every SUB is processed.
class NatsSubscriber final : public SubscriberDialect {
 public:
  explicit NatsSubscriber(std::vector<std::string> subjects) : subjects_(std::move(subjects)) {}
  std::string Opening() override {
    std::string out = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n";
    for (size_t i = 0; i < subjects_.size(); ++i) {
      out += "SUB " + subjects_[i] + " " + std::to_string(i + 1) + "\r\n";
    }
    return out + "PING\r\n";
  }

 protected:
  bool Parse(std::string_view bytes, void (*emit)(void*, std::string_view), void* ctx) override {
    buffer_.append(bytes);
    size_t pos = 0;
    while (true) {
      size_t eol = buffer_.find("\r\n", pos);
      if (eol == std::string::npos) break;
      std::string_view line(buffer_.data() + pos, eol - pos);
      if (line.substr(0, 4) == "MSG ") {
        size_t last_space = line.rfind(' ');
        size_t length = 0;
        std::from_chars(line.data() + last_space + 1, line.data() + line.size(), length);
        if (buffer_.size() < eol + 2 + length + 2) break;
        emit(ctx, std::string_view(buffer_.data() + eol + 2, length));
        pos = eol + 2 + length + 2;
        continue;
      }
      if (line == "PING") outbox += "PONG\r\n";
      if (line == "PONG") ready = true;
      if (line.substr(0, 4) == "-ERR") return false;
      pos = eol + 2;
    }
    buffer_.erase(0, pos);
    return true;
  }

 private:
  std::vector<std::string> subjects_;
  std::string buffer_;
};

class RedisSubscriber final : public SubscriberDialect {
 public:
  // SUBSCRIBE c1 c2 ...: ready when the last channel's confirmation arrives.
  explicit RedisSubscriber(std::vector<std::string> channels) : channels_(std::move(channels)) {}
  std::string Opening() override {
    std::string out = "SUBSCRIBE";
    for (const std::string& c : channels_) out += " " + c;
    return out + "\r\n";
  }

 protected:
  // Pushes are arrays of three bulk strings: kind, channel, payload (or count).
  bool Parse(std::string_view bytes, void (*emit)(void*, std::string_view), void* ctx) override {
    buffer_.append(bytes);
    size_t pos = 0;
    while (pos < buffer_.size()) {
      size_t start = pos;
      std::string_view parts[3];
      bool complete = true;
      if (buffer_[pos] != '*') return false;
      size_t eol = buffer_.find("\r\n", pos);
      if (eol == std::string::npos) break;
      pos = eol + 2;
      for (auto& part : parts) {
        eol = buffer_.find("\r\n", pos);
        if (eol == std::string::npos) {
          complete = false;
          break;
        }
        if (buffer_[pos] == ':') {
          part = std::string_view(buffer_.data() + pos + 1, eol - pos - 1);
          pos = eol + 2;
          continue;
        }
        size_t length = 0;
        std::from_chars(buffer_.data() + pos + 1, buffer_.data() + eol, length);
        if (buffer_.size() < eol + 2 + length + 2) {
          complete = false;
          break;
        }
        part = std::string_view(buffer_.data() + eol + 2, length);
        pos = eol + 2 + length + 2;
      }
      if (!complete) {
        pos = start;
        break;
      }
      if (parts[0] == "message") emit(ctx, parts[2]);
      if (parts[0] == "subscribe" && ++confirmed_ >= channels_.size()) ready = true;
    }
    buffer_.erase(0, pos);
    return true;
  }

 private:
  std::vector<std::string> channels_;
  size_t confirmed_ = 0;
  std::string buffer_;
};

// Counts HTTP responses: status line, headers with Content-Length, body.
class HttpPublisher final : public PublisherDialect {
 public:
  HttpPublisher(std::string path, std::string host)
      : path_(std::move(path)), host_(std::move(host)) {}
  void AppendPublish(std::string& out, std::string_view payload) override {
    out += "POST " + path_ + " HTTP/1.1\r\nHost: " + host_ +
           "\r\nContent-Length: " + std::to_string(payload.size()) + "\r\n\r\n";
    out.append(payload);
  }
  int CountReplies(std::string_view bytes) override {
    buffer_.append(bytes);
    int count = 0;
    size_t pos = 0;
    while (true) {
      size_t end = buffer_.find("\r\n\r\n", pos);
      if (end == std::string::npos) break;
      std::string_view head(buffer_.data() + pos, end - pos);
      size_t length = 0;
      size_t cl = head.find("Content-Length: ");
      if (cl == std::string_view::npos) cl = head.find("content-length: ");
      if (cl != std::string_view::npos) {
        std::from_chars(head.data() + cl + 16, head.data() + head.size(), length);
      }
      if (buffer_.size() < end + 4 + length) break;
      if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return -1;
      if (head[9] != '2' && refused++ == 0) {
        first_refusal = std::string(head.substr(0, head.find("\r\n"))) + " " +
                        buffer_.substr(end + 4, std::min<size_t>(length, 200));
      }
      ++count;
      pos = end + 4 + length;
    }
    buffer_.erase(0, pos);
    return count;
  }

 private:
  std::string path_;
  std::string host_;
  std::string buffer_;
};

class NatsPublisher final : public PublisherDialect {
 public:
  explicit NatsPublisher(std::string subject) : subject_(std::move(subject)) {}
  std::string Opening() override { return "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n"; }
  void AppendPublish(std::string& out, std::string_view payload) override {
    out += "PUB " + subject_ + " " + std::to_string(payload.size()) + "\r\n";
    out.append(payload);
    out += "\r\n";
  }
  int CountReplies(std::string_view bytes) override {
    return std::string_view(bytes).find("-ERR") != std::string_view::npos ? -1 : 0;
  }
  bool CountsReplies() const override { return false; }

 private:
  std::string subject_;
};

class RedisPublisher final : public PublisherDialect {
 public:
  explicit RedisPublisher(std::string channel) : channel_(std::move(channel)) {}
  void AppendPublish(std::string& out, std::string_view payload) override {
    out += "*3\r\n$7\r\nPUBLISH\r\n$" + std::to_string(channel_.size()) + "\r\n" + channel_ +
           "\r\n$" + std::to_string(payload.size()) + "\r\n";
    out.append(payload);
    out += "\r\n";
  }
  int CountReplies(std::string_view bytes) override {
    int count = 0;
    for (char c : bytes) count += c == ':';
    return count;
  }

 private:
  std::string channel_;
};

}  // namespace

std::unique_ptr<SubscriberDialect> MakeSubscriber(const std::string& name, const Target& target,
                                                  uint32_t seed) {
  std::vector<std::string> topics = TopicsOf(target);
  if (name == "herald-ws") {
    std::string list;
    for (const std::string& t : topics) list += (list.empty() ? "\"" : ",\"") + t + "\"";
    return std::make_unique<WebSocketSubscriber>(
        WebSocketRequest("/ws", target, seed),
        "{\"type\":\"subscribe\",\"topics\":[" + list + "]" +
            (target.since.empty() ? "" : ",\"since\":\"" + target.since + "\"") + "}",
        seed);
  }
  if (name == "nchan-ws") {
    return std::make_unique<WebSocketSubscriber>(
        WebSocketRequest(NchanSubscribePath(topics), target, seed), "", seed);
  }
  if (name == "herald-sse") {
    std::string since = target.since.empty() ? "" : "&since=" + PercentEncode(target.since);
    std::string query;
    for (const std::string& t : topics)
      query += (query.empty() ? "topic=" : "&topic=") + PercentEncode(t);
    return std::make_unique<SseSubscriber>("GET /events?" + query + since + " HTTP/1.1\r\nHost: " +
                                           target.host + "\r\nAccept: text/event-stream\r\n\r\n");
  }
  if (name == "nchan-sse") {
    return std::make_unique<SseSubscriber>("GET " + NchanSubscribePath(topics) +
                                           " HTTP/1.1\r\nHost: " + target.host +
                                           "\r\nAccept: text/event-stream\r\n\r\n");
  }
  if (name == "nats") {
    std::vector<std::string> subjects;
    for (const std::string& t : topics) subjects.push_back(Subject(t));
    return std::make_unique<NatsSubscriber>(std::move(subjects));
  }
  if (name == "redis") {
    std::vector<std::string> channels;
    for (const std::string& t : topics) channels.push_back(Channel(t));
    return std::make_unique<RedisSubscriber>(std::move(channels));
  }
  if (auto mqtt = MakeMqttSubscriber(name, target, seed)) return mqtt;
  return MakeNatsWsSubscriber(name, target, seed);
}

std::unique_ptr<PublisherDialect> MakePublisher(const std::string& name, const Target& target) {
  if (name == "herald-rest") {
    return std::make_unique<HttpPublisher>(
        "/api/publish/" + PercentEncode(target.topic) + "?retain=false", target.host);
  }
  if (name == "nchan-http") {
    return std::make_unique<HttpPublisher>("/pub/" + Channel(target.topic), target.host);
  }
  if (name == "nats") return std::make_unique<NatsPublisher>(Subject(target.topic));
  if (name == "redis") return std::make_unique<RedisPublisher>(Channel(target.topic));
  if (auto mqtt = MakeMqttPublisher(name, target)) return mqtt;
  if (auto herald_ws = MakeHeraldWsPublisher(name, target)) return herald_ws;
  return MakeNatsWsPublisher(name, target);
}

}  // namespace herald::bench
