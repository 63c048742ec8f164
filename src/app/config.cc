#include "app/config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <type_traits>

#include "core/policy.h"
#include "core/topic.h"
#include "net/endpoint.h"

namespace herald::app {
namespace {

// One configuration key: where it lives and how to read it.
struct Key {
  std::string section;
  std::string name;
  std::function<std::string(const toml::node&, Config&)> read;  // "" or a problem
  std::function<std::string(const Config&)> render;
};

// An integer key stored in a field of type T (int64_t or size_t), checked against [min, max].
template <typename T>
Key NumberKey(std::string section, std::string name, std::function<T&(Config&)> field_ref,
              int64_t min, int64_t max) {
  Key key{std::move(section), std::move(name), nullptr, nullptr};
  key.read = [field_ref, min, max](const toml::node& node, Config& config) -> std::string {
    if constexpr (std::is_floating_point_v<T>) {
      auto number = node.value<double>();
      if (!node.is_number() || !number) return "expected a number";
      // NaN fails every comparison, so it is refused by name rather than let through.
      if (std::isnan(*number) || *number < static_cast<double>(min) ||
          *number > static_cast<double>(max)) {
        return "must be from " + std::to_string(min) + " to " + std::to_string(max);
      }
      field_ref(config) = *number;
      return "";
    }
    auto value = node.value<int64_t>();
    if (!node.is_integer() || !value) return "expected an integer";
    if (*value < min || *value > max) {
      return "must be from " + std::to_string(min) + " to " + std::to_string(max);
    }
    field_ref(config) = static_cast<T>(*value);
    return "";
  };
  key.render = [field_ref](const Config& config) {
    return std::to_string(field_ref(const_cast<Config&>(config)));
  };
  return key;
}

Key IntegerKey(std::string section, std::string name, std::function<int64_t&(Config&)> field_ref,
               int64_t min, int64_t max) {
  return NumberKey<int64_t>(std::move(section), std::move(name), std::move(field_ref), min, max);
}

Key SizeKey(std::string section, std::string name, std::function<size_t&(Config&)> field_ref,
            int64_t min, int64_t max) {
  return NumberKey<size_t>(std::move(section), std::move(name), std::move(field_ref), min, max);
}

Key BoolKey(std::string section, std::string name, std::function<bool&(Config&)> field_ref) {
  Key key{std::move(section), std::move(name), nullptr, nullptr};
  key.read = [field_ref](const toml::node& node, Config& config) -> std::string {
    auto value = node.value<bool>();
    if (!node.is_boolean() || !value) return "expected true or false";
    field_ref(config) = *value;
    return "";
  };
  key.render = [field_ref](const Config& config) {
    return std::string(field_ref(const_cast<Config&>(config)) ? "true" : "false");
  };
  return key;
}

Key StringKey(std::string section, std::string name,
              std::function<std::string&(Config&)> field_ref) {
  Key key{section, name, nullptr, nullptr};
  key.read = [field_ref](const toml::node& node, Config& config) -> std::string {
    auto value = node.value<std::string>();
    if (!node.is_string() || !value) return "expected a string";
    field_ref(config) = *value;
    return "";
  };
  key.render = [field_ref](const Config& config) {
    std::ostringstream out;
    out << toml::value<std::string>(field_ref(const_cast<Config&>(config)));
    return out.str();
  };
  return key;
}

constexpr int64_t kGiB = 1024LL * 1024 * 1024;
constexpr int64_t kDay = 86'400'000;

const std::vector<Key>& Keys() {
  static const std::vector<Key> keys = [] {
    std::vector<Key> k;
    k.push_back(StringKey("server", "listen", [](Config& c) -> std::string& { return c.listen; }));
    k.push_back(SizeKey(
        "server", "threads", [](Config& c) -> size_t& { return c.node.threads; }, 0, 256));
    k.push_back(StringKey("server", "node_name",
                          [](Config& c) -> std::string& { return c.node.node_name; }));
    k.push_back(
        StringKey("server", "data_dir", [](Config& c) -> std::string& { return c.data_dir; }));
    k.push_back(BoolKey("server", "io_uring", [](Config& c) -> bool& { return c.node.io_uring; }));
    k.push_back(BoolKey("server", "park_idle_loops",
                        [](Config& c) -> bool& { return c.node.park_idle_loops; }));
    k.push_back(IntegerKey(
        "server", "write_delay_ms", [](Config& c) -> int64_t& { return c.node.write_delay_ms; }, 0,
        100));
    k.push_back(IntegerKey(
        "server", "busy_write_delay_ms",
        [](Config& c) -> int64_t& { return c.node.busy_write_delay_ms; }, 0, 100));
    k.push_back(IntegerKey(
        "server", "snapshot_interval_ms",
        [](Config& c) -> int64_t& { return c.snapshot_interval_ms; }, 0, kDay));
    k.push_back(
        StringKey("server", "log_level", [](Config& c) -> std::string& { return c.log_level; }));
    k.push_back(SizeKey(
        "server", "max_connections", [](Config& c) -> size_t& { return c.node.max_connections; }, 1,
        100'000'000));
    k.push_back(SizeKey(
        "server", "max_connections_per_ip",
        [](Config& c) -> size_t& { return c.node.max_connections_per_ip; }, 0, 100'000'000));
    k.push_back(SizeKey(
        "limits", "max_message_bytes",
        [](Config& c) -> size_t& { return c.session.max_message_bytes; }, 1, 64 * 1024 * 1024));
    k.push_back(SizeKey(
        "limits", "max_queue_bytes", [](Config& c) -> size_t& { return c.session.max_queue_bytes; },
        1024, kGiB));
    k.push_back(SizeKey(
        "limits", "max_unsent_socket_bytes",
        [](Config& c) -> size_t& { return c.session.max_unsent_socket_bytes; }, 0, kGiB));
    k.push_back(SizeKey(
        "limits", "max_subscriptions",
        [](Config& c) -> size_t& { return c.session.max_subscriptions; }, 1, 100'000));
    k.push_back(SizeKey(
        "limits", "max_state_rows", [](Config& c) -> size_t& { return c.session.max_state_rows; },
        1, 10'000'000));
    k.push_back(SizeKey(
        "limits", "max_header_bytes",
        [](Config& c) -> size_t& { return c.session.http.max_header_bytes; }, 1024, 1024 * 1024));
    k.push_back(SizeKey(
        "limits", "max_target_bytes",
        [](Config& c) -> size_t& { return c.session.http.max_target_bytes; }, 256, 1024 * 1024));
    k.push_back(IntegerKey(
        "limits", "dedup_window_ms", [](Config& c) -> int64_t& { return c.node.dedup_window_ms; },
        0, kDay));
    k.push_back(NumberKey<double>(
        "limits", "max_publishes_per_second",
        [](Config& c) -> double& { return c.session.max_publishes_per_second; }, 0, 100'000'000));
    k.push_back(NumberKey<double>(
        "limits", "publish_burst", [](Config& c) -> double& { return c.session.publish_burst; }, 1,
        100'000'000));
    k.push_back(SizeKey(
        "limits", "max_pending_events",
        [](Config& c) -> size_t& { return c.node.max_pending_events; }, 100, 100'000'000));
    k.push_back(IntegerKey(
        "timeouts", "ws_ping_ms", [](Config& c) -> int64_t& { return c.session.ws_ping_ms; }, 100,
        kDay));
    k.push_back(IntegerKey(
        "timeouts", "sse_heartbeat_ms",
        [](Config& c) -> int64_t& { return c.session.sse_heartbeat_ms; }, 100, kDay));
    k.push_back(IntegerKey(
        "timeouts", "sse_retry_ms", [](Config& c) -> int64_t& { return c.session.sse_retry_ms; },
        100, kDay));
    k.push_back(IntegerKey(
        "timeouts", "handshake_timeout_ms",
        [](Config& c) -> int64_t& { return c.session.handshake_timeout_ms; }, 100, kDay));
    k.push_back(IntegerKey(
        "timeouts", "idle_timeout_ms",
        [](Config& c) -> int64_t& { return c.session.idle_timeout_ms; }, 100, kDay));
    k.push_back(IntegerKey(
        "timeouts", "drain_timeout_ms",
        [](Config& c) -> int64_t& { return c.session.drain_timeout_ms; }, 0, kDay));
    k.push_back(SizeKey(
        "history", "max_events", [](Config& c) -> size_t& { return c.node.history.max_events; }, 1,
        100'000'000));
    k.push_back(SizeKey(
        "history", "max_events_per_topic",
        [](Config& c) -> size_t& { return c.node.history.max_events_per_topic; }, 1, 100'000'000));
    k.push_back(IntegerKey(
        "history", "max_age_ms", [](Config& c) -> int64_t& { return c.node.history.max_age_ms; },
        1000, 365 * kDay));
    k.push_back(IntegerKey(
        "log", "segment_bytes", [](Config& c) -> int64_t& { return c.log_segment_bytes; }, 4096,
        16 * kGiB));
    k.push_back(IntegerKey(
        "log", "max_bytes", [](Config& c) -> int64_t& { return c.log_max_bytes; }, 0, 1024 * kGiB));
    k.push_back(IntegerKey(
        "log", "max_age_ms", [](Config& c) -> int64_t& { return c.log_max_age_ms; }, 0,
        3650 * kDay));
    k.push_back(IntegerKey(
        "log", "max_events", [](Config& c) -> int64_t& { return c.log_max_events; }, 0,
        1'000'000'000'000));
    return k;
  }();
  return keys;
}

const Key* FindKey(std::string_view section, std::string_view name) {
  for (const Key& key : Keys()) {
    if (key.section == section && key.name == name) return &key;
  }
  return nullptr;
}

void ReadOrigins(const toml::node& node, Config& config, std::vector<std::string>& problems) {
  const toml::array* array = node.as_array();
  if (array == nullptr) {
    problems.push_back("server.cors_allowed_origins: expected an array of strings");
    return;
  }
  std::vector<std::string> origins;
  for (const toml::node& item : *array) {
    auto value = item.value<std::string>();
    if (!item.is_string() || !value) {
      problems.push_back("server.cors_allowed_origins: expected an array of strings");
      return;
    }
    origins.push_back(*value);
  }
  config.session.cors_allowed_origins = std::move(origins);
}

// [[policies]]: one table per filter, first match wins (docs/defaults.md).
void ReadPolicies(const toml::node& node, Config& config, std::vector<std::string>& problems) {
  const toml::array* array = node.as_array();
  if (array == nullptr) {
    problems.push_back("policies: expected [[policies]] tables");
    return;
  }
  std::vector<core::TopicPolicy> policies;
  for (size_t i = 0; i < array->size(); ++i) {
    std::string where = "policies[" + std::to_string(i) + "]";
    const toml::table* table = (*array)[i].as_table();
    if (table == nullptr) {
      problems.push_back(where + ": expected a table");
      continue;
    }
    core::TopicPolicy policy;
    auto positive = [&](const toml::node& value, const char* key,
                        int64_t min) -> std::optional<int64_t> {
      auto number = value.value<int64_t>();
      if (!value.is_integer() || !number || *number < min) {
        problems.push_back(where + "." + key + ": expected an integer of at least " +
                           std::to_string(min));
        return std::nullopt;
      }
      return number;
    };
    for (const auto& [key_name, value] : *table) {
      std::string key(key_name.str());
      if (key == "filter") {
        auto text = value.value<std::string>();
        if (!value.is_string() || !text) {
          problems.push_back(where + ".filter: expected a string");
        } else if (auto error = core::FilterError(*text)) {
          problems.push_back(where + ".filter: " + *error);
        } else {
          policy.filter = *text;
        }
      } else if (key == "history_depth") {
        if (auto n = positive(value, "history_depth", 1))
          policy.history_depth = static_cast<size_t>(*n);
      } else if (key == "history_max_age_ms") {
        if (auto n = positive(value, "history_max_age_ms", 1000)) policy.history_max_age_ms = *n;
      } else if (key == "max_payload_bytes") {
        if (auto n = positive(value, "max_payload_bytes", 1))
          policy.max_payload_bytes = static_cast<size_t>(*n);
      } else if (key == "transient") {
        auto flag = value.value<bool>();
        if (!value.is_boolean() || !flag) {
          problems.push_back(where + ".transient: expected true or false");
        } else {
          policy.transient = *flag;
        }
      } else if (key == "slow_consumer") {
        auto text = value.value<std::string>();
        if (text && *text == "close") {
          policy.slow_consumer = core::SlowConsumerPolicy::kClose;
        } else if (text && *text == "conflate") {
          policy.slow_consumer = core::SlowConsumerPolicy::kConflate;
        } else {
          problems.push_back(where + ".slow_consumer: expected \"close\" or \"conflate\"");
        }
      } else {
        problems.push_back(where + "." + key + ": unknown key");
      }
    }
    if (policy.filter.empty()) {
      problems.push_back(where + ".filter: required");
      continue;
    }
    policies.push_back(std::move(policy));
  }
  config.node.policies = core::PolicySet(std::move(policies));
}

}  // namespace

void LoadConfigFile(const std::string& path, Config& config, std::vector<std::string>& problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems.push_back(path + ": cannot be read");
    return;
  }
  // Opening can succeed where reading fails (a directory, an I/O error): that is a problem
  // to report, never an exception that would end a running node on SIGHUP.
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad() || text.fail()) {
    problems.push_back(path + ": cannot be read");
    return;
  }
  LoadConfigText(text.str(), path, config, problems);
}

void LoadConfigText(std::string_view text, const std::string& source, Config& config,
                    std::vector<std::string>& problems) {
  const std::string& path = source;
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& error) {
    std::ostringstream where;
    where << error.source().begin;
    problems.push_back(path + ": " + std::string(error.description()) + " (at " + where.str() +
                       ")");
    return;
  }
  for (const auto& [section_key, section_node] : root) {
    std::string section(section_key.str());
    if (section == "policies") {
      ReadPolicies(section_node, config, problems);
      continue;
    }
    const toml::table* table = section_node.as_table();
    if (table == nullptr) {
      problems.push_back(section + ": expected a table ([" + section + "])");
      continue;
    }
    for (const auto& [name_key, value] : *table) {
      std::string name(name_key.str());
      if (section == "server" && name == "cors_allowed_origins") {
        ReadOrigins(value, config, problems);
        continue;
      }
      if (section == "server" && name == "listen_backlog") {
        auto backlog = value.value<int64_t>();
        if (!value.is_integer() || !backlog || *backlog < 1 || *backlog > 65535) {
          problems.push_back("server.listen_backlog: must be an integer from 1 to 65535");
        } else {
          config.node.listen_backlog = static_cast<int>(*backlog);
        }
        continue;
      }
      const Key* key = FindKey(section, name);
      if (key == nullptr) {
        problems.push_back(section + "." + name + ": unknown key");
        continue;
      }
      std::string problem = key->read(value, config);
      if (!problem.empty()) problems.push_back(section + "." + name + ": " + problem);
      config.keys_set.push_back(section + "." + name);
    }
  }
}

void ValidateConfig(const Config& config, std::vector<std::string>& problems) {
  auto endpoint = net::ParseEndpoint(config.listen);
  if (!endpoint) problems.push_back("server.listen: " + endpoint.error().message);
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  bool level_ok = false;
  for (const char* level : kLevels) level_ok = level_ok || config.log_level == level;
  if (!level_ok) {
    problems.push_back(
        "server.log_level: must be one of trace, debug, info, warn, error, "
        "critical, off");
  }
  if (config.WasSet("history.max_events_per_topic") &&
      config.node.history.max_events_per_topic > config.node.history.max_events) {
    problems.push_back("history.max_events_per_topic: must not exceed history.max_events");
  }
  if (config.WasSet("limits.max_queue_bytes") &&
      config.session.max_message_bytes + 1024 > config.session.max_queue_bytes) {
    problems.push_back(
        "limits.max_queue_bytes: must exceed limits.max_message_bytes by 1 KiB "
        "so that one message always fits");
  }
}

bool Config::WasSet(std::string_view key) const {
  return std::find(keys_set.begin(), keys_set.end(), key) != keys_set.end();
}

void FinalizeConfig(Config& config) {
  auto& history = config.node.history;
  history.max_events_per_topic = std::min(history.max_events_per_topic, history.max_events);
  if (config.session.max_queue_bytes < config.session.max_message_bytes + 1024) {
    config.session.max_queue_bytes = 2 * config.session.max_message_bytes;
  }
  config.session.http.max_body_bytes = config.session.max_message_bytes;
  if (config.node.node_name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    config.node.node_name = host;
  }
  config.session.node_name = config.node.node_name;
}

std::string RenderConfig(const Config& config) {
  std::string out;
  std::string current;
  for (const Key& key : Keys()) {
    if (key.section != current) {
      if (!current.empty()) {
        if (current == "server") {
          out += "listen_backlog = " + std::to_string(config.node.listen_backlog) + "\n";
          out += "cors_allowed_origins = [";
          for (size_t i = 0; i < config.session.cors_allowed_origins.size(); ++i) {
            std::ostringstream item;
            item << toml::value<std::string>(config.session.cors_allowed_origins[i]);
            out += (i ? ", " : "") + item.str();
          }
          out += "]\n";
        }
        out += "\n";
      }
      current = key.section;
      out += "[" + current + "]\n";
    }
    out += key.name + " = " + key.render(config) + "\n";
  }
  for (const core::TopicPolicy& policy : config.node.policies.policies()) {
    std::ostringstream filter;
    filter << toml::value<std::string>(policy.filter);
    out += "\n[[policies]]\nfilter = " + filter.str() + "\n";
    if (policy.history_depth)
      out += "history_depth = " + std::to_string(*policy.history_depth) + "\n";
    if (policy.history_max_age_ms) {
      out += "history_max_age_ms = " + std::to_string(*policy.history_max_age_ms) + "\n";
    }
    if (policy.max_payload_bytes) {
      out += "max_payload_bytes = " + std::to_string(*policy.max_payload_bytes) + "\n";
    }
    if (policy.transient)
      out += std::string("transient = ") + (*policy.transient ? "true" : "false") + "\n";
    if (policy.slow_consumer) {
      out += std::string("slow_consumer = ") +
             (*policy.slow_consumer == core::SlowConsumerPolicy::kConflate ? "\"conflate\""
                                                                           : "\"close\"") +
             "\n";
    }
  }
  return out;
}

}  // namespace herald::app
