#pragma once

#include <string>

namespace herald::app {

// Logs go to stderr with a timestamp and level; `level` is validated by ValidateConfig.
void SetUpLogging(const std::string& level);

}  // namespace herald::app
