#include "core/event_id.h"

#include <charconv>

namespace herald::core {

bool IsValidEpoch(std::string_view epoch) {
  if (epoch.empty() || epoch.size() > kMaxEpochBytes) return false;
  for (char c : epoch) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<EventId> ParseEventId(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view epoch = text.substr(0, colon);
  std::string_view seq_text = text.substr(colon + 1);
  if (!IsValidEpoch(epoch) || seq_text.empty() || seq_text.size() > 20) return std::nullopt;
  for (char c : seq_text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint64_t seq = 0;
  auto [end, ec] = std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), seq);
  if (ec != std::errc() || end != seq_text.data() + seq_text.size()) return std::nullopt;
  return EventId{std::string(epoch), seq};
}

std::string FormatEventId(std::string_view epoch, uint64_t seq) {
  std::string out;
  out.reserve(epoch.size() + 21);
  out.append(epoch);
  out.push_back(':');
  out.append(std::to_string(seq));
  return out;
}

std::string EventId::ToString() const { return FormatEventId(epoch, seq); }

}  // namespace herald::core
