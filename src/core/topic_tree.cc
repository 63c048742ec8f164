#include "core/topic_tree.h"

#include <algorithm>

#include "core/topic.h"

namespace herald::core {

struct TopicTree::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;  // literal levels and "+"
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

void TopicTree::MatchFrom(const Node& node, const std::vector<std::string_view>& levels,
                          size_t depth, std::vector<SubscriberId>& matches) const {
  // "a/#" also matches "a" itself, so "#" subscribers match at every depth reached.
  bool reserved_root = depth == 0 && IsReservedTopic(levels[0]);
  if (!reserved_root) matches.insert(matches.end(), node.hash.begin(), node.hash.end());
  if (depth == levels.size()) {
    matches.insert(matches.end(), node.here.begin(), node.here.end());
    return;
  }
  if (auto it = node.children.find(levels[depth]); it != node.children.end()) {
    MatchFrom(*it->second, levels, depth + 1, matches);
  }
  if (reserved_root) return;
  if (auto it = node.children.find(std::string_view("+")); it != node.children.end()) {
    MatchFrom(*it->second, levels, depth + 1, matches);
  }
}

void TopicTree::Match(std::string_view topic, std::vector<SubscriberId>& matches) const {
  size_t first = matches.size();
  auto levels = SplitLevels(topic);
  MatchFrom(*root_, levels, 0, matches);
  std::sort(matches.begin() + static_cast<std::ptrdiff_t>(first), matches.end());
  matches.erase(std::unique(matches.begin() + static_cast<std::ptrdiff_t>(first), matches.end()),
                matches.end());
}

}  // namespace herald::core
