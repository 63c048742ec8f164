#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "node/node.h"
#include "session/session_config.h"

namespace herald::app {

// The whole configuration of a node: plain structs with defaults (docs/defaults.md gives each
// default's reason), loaded once from TOML, then overridden by command-line flags.
struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string log_level = "info";
  std::string data_dir;  // empty: in-memory log, a new epoch at every start
  int64_t snapshot_interval_ms = 60'000;
  // [log]: the durable log's segments and retention (docs/log-format.md); 0 = no limit.
  int64_t log_segment_bytes = 64LL << 20;
  int64_t log_max_bytes = 1LL << 30;
  int64_t log_max_age_ms = 7LL * 86'400'000;
  int64_t log_max_events = 0;  // state snapshots with a data dir; 0: only at shutdown
  node::NodeOptions node;
  session::SessionConfig session;
  // "section.key" of every key the file set; defaults that conflict with a set key are adjusted
  // instead of refused (FinalizeConfig), set keys that conflict are reported.
  std::vector<std::string> keys_set;

  bool WasSet(std::string_view key) const;
};

// Reads `path` over the defaults in `config`. Appends every problem found ("limits.max_queue_bytes:
// expected an integer") to `problems`; the config is usable only when none were added.
void LoadConfigFile(const std::string& path, Config& config, std::vector<std::string>& problems);

// The same for TOML text; `source` names it in messages (a path). The config fuzz target's entry.
void LoadConfigText(std::string_view text, const std::string& source, Config& config,
                    std::vector<std::string>& problems);

// Cross-field checks after flags are applied (ranges, listen address); appends problems.
void ValidateConfig(const Config& config, std::vector<std::string>& problems);

// Derives fields (HTTP body limit from max_message_bytes, node name) and adjusts defaults that
// conflict with keys the file set: the send queue grows to hold two of the largest message, the
// per-topic history depth shrinks to the total depth.
void FinalizeConfig(Config& config);

// The effective configuration as TOML, for `herald config check`.
std::string RenderConfig(const Config& config);

}  // namespace herald::app
