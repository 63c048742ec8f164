#include "backbone/local_backbone.h"

#include <random>

#include "core/clock.h"

namespace herald::backbone {

std::string NewEpoch() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device device;
  std::string epoch(12, 'A');
  for (char& c : epoch) c = kAlphabet[device() % 64];
  return epoch;
}

LocalBackbone::LocalBackbone() : epoch_(NewEpoch()) {}

void LocalBackbone::Start(EventSink sink) { sink_ = std::move(sink); }

void LocalBackbone::Publish(PublishRequest request, PublishDone done) {
  auto event = std::make_shared<core::Event>();
  event->topic = std::move(request.topic);
  event->payload = std::move(request.payload);
  event->retain = request.retain;
  event->origin_time = request.origin_time;
  event->epoch = epoch_;
  uint64_t seq;
  {
    std::lock_guard lock(mutex_);
    seq = ++last_seq_;
    event->seq = seq;
    event->publish_time = core::WallClockMs();
    sink_(std::move(event));  // under the lock: the sink sees events in seq order
  }
  done(PublishAck{epoch_, seq});
}

}  // namespace herald::backbone
