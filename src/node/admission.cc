#include "node/admission.h"

namespace herald::node {

std::shared_ptr<void> Admission::TryAdmit(const std::string& address) {
  // Without a limit the slot is a token that counts nothing (non-null: null means refused).
  if (max_per_address_ == 0) return std::shared_ptr<void>(static_cast<void*>(this), [](void*) {});
  {
    std::lock_guard lock(mutex_);
    uint32_t& open = open_[address];
    if (open >= max_per_address_) return nullptr;
    ++open;
  }
  // The deleter runs once, when the connection drops its slot.
  return std::shared_ptr<void>(static_cast<void*>(this),
                               [this, address](void*) { Release(address); });
}

void Admission::Release(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = open_.find(address);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

}  // namespace herald::node
