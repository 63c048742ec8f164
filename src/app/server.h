#pragma once

#include <functional>
#include <optional>

#include "app/config.h"

namespace herald::app {

// Reads the configuration again (file and flags) for SIGHUP; nullopt when it has problems
// (they are printed).
using ConfigReloader = std::function<std::optional<Config>()>;

// Runs a node until SIGINT or SIGTERM, then drains it. With `demo`, also the sample feed.
// SIGHUP applies the log level and the session limits and timeouts from `reload`.
// Returns the process exit code.
int RunServer(Config config, bool demo, ConfigReloader reload);

}  // namespace herald::app
