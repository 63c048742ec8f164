#include "core/topic_tree.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "core/topic.h"

namespace herald::core {

namespace {
// Hashes std::string keys and std::string_view probes alike, so a lookup by a level of the
// topic being matched needs no std::string.
struct LevelHash {
  using is_transparent = void;
  size_t operator()(std::string_view level) const { return std::hash<std::string_view>{}(level); }
};
}  // namespace

struct TopicTree::Node {
  // Literal levels and "+". Hashed: a level with thousands of siblings ("quotes/<symbol>") is
  // one lookup, not a dozen string comparisons down a tree.
  std::unordered_map<std::string, std::unique_ptr<Node>, LevelHash, std::equal_to<>> children;
  std::vector<SubscriberId> here;  // filters ending at this node
  std::vector<SubscriberId> hash;  // filters ending with "/#" below this node

  bool Empty() const { return children.empty() && here.empty() && hash.empty(); }
};

TopicTree::TopicTree() : root_(std::make_unique<Node>()) {}
TopicTree::~TopicTree() = default;

namespace {

bool AddUnique(std::vector<SubscriberId>& ids, SubscriberId id) {
  if (std::find(ids.begin(), ids.end(), id) != ids.end()) return false;
  ids.push_back(id);
  return true;
}

bool RemoveOne(std::vector<SubscriberId>& ids, SubscriberId id) {
  auto it = std::find(ids.begin(), ids.end(), id);
  if (it == ids.end()) return false;
  *it = ids.back();
  ids.pop_back();
  if (ids.empty()) ids.shrink_to_fit();
  return true;
}

}  // namespace

bool TopicTree::Subscribe(std::string_view filter, SubscriberId subscriber) {
  auto levels = SplitLevels(filter);
  Node* node = root_.get();
  for (size_t i = 0; i < levels.size(); ++i) {
    if (levels[i] == "#") {
      bool added = AddUnique(node->hash, subscriber);
      subscription_count_ += added;
      return added;
    }
    auto it = node->children.find(levels[i]);
    if (it == node->children.end()) {
      it = node->children.emplace(std::string(levels[i]), std::make_unique<Node>()).first;
    }
    node = it->second.get();
  }
  bool added = AddUnique(node->here, subscriber);
  subscription_count_ += added;
  return added;
}

bool TopicTree::Unsubscribe(std::string_view filter, SubscriberId subscriber) {
  auto levels = SplitLevels(filter);
  // Path of (parent, key) so empty nodes can be pruned bottom-up.
  std::vector<std::pair<Node*, std::string_view>> path;
  Node* node = root_.get();
  bool removed = false;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (levels[i] == "#") {
      removed = RemoveOne(node->hash, subscriber);
      break;
    }
    auto it = node->children.find(levels[i]);
    if (it == node->children.end()) return false;
    path.emplace_back(node, levels[i]);
    node = it->second.get();
    if (i + 1 == levels.size()) removed = RemoveOne(node->here, subscriber);
  }
  if (!removed) return false;
  --subscription_count_;
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    auto child = it->first->children.find(it->second);
    if (!child->second->Empty()) break;
    it->first->children.erase(child);
  }
  return true;
}

void TopicTree::MatchFrom(const Node& node, const std::string_view* levels, size_t count,
                          size_t depth, std::vector<SubscriberId>& matches) const {
  // "a/#" also matches "a" itself, so "#" subscribers match at every depth reached.
  bool reserved_root = depth == 0 && IsReservedTopic(levels[0]);
  if (!reserved_root) matches.insert(matches.end(), node.hash.begin(), node.hash.end());
  if (depth == count) {
    matches.insert(matches.end(), node.here.begin(), node.here.end());
    return;
  }
  if (node.children.empty()) return;
  if (auto it = node.children.find(levels[depth]); it != node.children.end()) {
    MatchFrom(*it->second, levels, count, depth + 1, matches);
  }
  if (reserved_root) return;
  if (auto it = node.children.find(std::string_view("+")); it != node.children.end()) {
    MatchFrom(*it->second, levels, count, depth + 1, matches);
  }
}

void TopicTree::Match(std::string_view topic, std::vector<SubscriberId>& matches) const {
  // The levels on the stack: no allocation per event.
  std::string_view levels[kMaxTopicLevels];
  size_t count = SplitLevels(topic, levels);
  if (count == 0) return;  // deeper than any valid topic: nothing matches
  size_t first = matches.size();
  MatchFrom(*root_, levels, count, 0, matches);
  if (matches.size() - first > 1) {
    std::sort(matches.begin() + static_cast<std::ptrdiff_t>(first), matches.end());
    matches.erase(std::unique(matches.begin() + static_cast<std::ptrdiff_t>(first), matches.end()),
                  matches.end());
  }
}

}  // namespace herald::core
