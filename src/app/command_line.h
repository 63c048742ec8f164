#pragma once

namespace herald::app {

// Parses the command line (serve, demo, version, config check) and runs it. Returns the exit
// code: 0, 1 for a runtime failure, 2 for bad flags or configuration.
int RunCommandLine(int argc, char** argv);

}  // namespace herald::app
