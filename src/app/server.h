#pragma once

#include "app/config.h"

namespace herald::app {

// Runs a node until SIGINT or SIGTERM, then drains it. With `demo`, also the sample feed.
// Returns the process exit code.
int RunServer(Config config, bool demo);

}  // namespace herald::app
