// The Herald WebSocket publisher dialect ("herald-ws"): JSON publish messages in masked text
// frames, each with a ref, so every "published" reply is counted.
#include <string>

#include "dialect.h"
#include "proto/json/writer.h"
#include "proto/ws/codec.h"
#include "ws_stream.h"

namespace herald::bench {
namespace {

class HeraldWsPublisher final : public PublisherDialect {
 public:
  explicit HeraldWsPublisher(const Target& target)
      : host_(target.host), topic_(target.topic), ws_(0x5eed1234u) {
    ready = false;  // until the upgrade and the welcome
  }

  std::string Opening() override { return WsStream::Request("/ws", host_, "", 0x5eed1234u); }

  void AppendPublish(std::string& out, std::string_view payload) override {
    // The payload is a JSON object: it goes in as `data`; retain=false like the REST publisher.
    message_ = "{\"type\":\"publish\",\"topic\":";
    proto::json::AppendString(message_, topic_);
    message_ += ",\"retain\":false,\"ref\":\"" + std::to_string(++refs_) + "\",\"data\":";
    message_.append(payload);
    message_ += "}";
    out += proto::ws::EncodeMaskedFrame(proto::ws::Opcode::kText, message_, 0x5eed1234u);
  }

  int CountReplies(std::string_view bytes) override {
    data_.clear();
    if (!ws_.Feed(bytes, data_, outbox)) return -1;
    if (data_.find("\"type\":\"welcome\"") != std::string::npos) ready = true;
    if (data_.find("\"type\":\"error\"") != std::string::npos) return -1;
    int published = 0;
    for (size_t at = data_.find("\"type\":\"published\""); at != std::string::npos;
         at = data_.find("\"type\":\"published\"", at + 1)) {
      ++published;
    }
    return published;
  }

 private:
  std::string host_;
  std::string topic_;
  WsStream ws_;
  std::string data_;
  std::string message_;
  uint64_t refs_ = 0;
};

}  // namespace

std::unique_ptr<PublisherDialect> MakeHeraldWsPublisher(const std::string& name,
                                                        const Target& target) {
  if (name != "herald-ws") return nullptr;
  return std::make_unique<HeraldWsPublisher>(target);
}

}  // namespace herald::bench
