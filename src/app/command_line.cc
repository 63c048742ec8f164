#include "app/command_line.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/logging.h"
#include "app/server.h"

#ifndef HERALD_VERSION
#define HERALD_VERSION "dev"
#endif

namespace herald::app {
namespace {

struct ServeFlags {
  std::string config_file;
  std::optional<std::string> listen;
  std::optional<size_t> threads;
  std::optional<std::string> log_level;
  std::optional<std::string> data_dir;
};

void AddServeFlags(CLI::App& command, ServeFlags& flags) {
  command.add_option("--config", flags.config_file, "TOML configuration file");
  command.add_option("--listen", flags.listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  command.add_option("--threads", flags.threads, "event loops (default: one per core)");
  command.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error");
  command.add_option("--data-dir", flags.data_dir,
                     "durable log directory (default: none, events live in memory only)");
}

// Config file, then flags over it; prints every problem and returns nullopt when any.
std::optional<Config> BuildConfig(const ServeFlags& flags) {
  Config config;
  std::vector<std::string> problems;
  if (!flags.config_file.empty()) LoadConfigFile(flags.config_file, config, problems);
  if (flags.listen) config.listen = *flags.listen;
  if (flags.threads) config.node.threads = *flags.threads;
  if (flags.log_level) config.log_level = *flags.log_level;
  if (flags.data_dir) config.data_dir = *flags.data_dir;
  ValidateConfig(config, problems);
  if (!problems.empty()) {
    for (const std::string& problem : problems)
      std::fprintf(stderr, "herald: %s\n", problem.c_str());
    return std::nullopt;
  }
  FinalizeConfig(config);
  return config;
}

}  // namespace

int RunCommandLine(int argc, char** argv) {
  CLI::App app{"Herald: real-time events from origin to edge"};
  app.require_subcommand(1);
  ServeFlags serve_flags;
  CLI::App* serve = app.add_subcommand("serve", "run an edge node");
  AddServeFlags(*serve, serve_flags);
  ServeFlags demo_flags;
  CLI::App* demo = app.add_subcommand("demo", "run a node with the built-in sample feed");
  AddServeFlags(*demo, demo_flags);
  app.add_subcommand("version", "print the version");
  CLI::App* config_command = app.add_subcommand("config", "configuration tools");
  config_command->require_subcommand(1);
  std::string check_file;
  CLI::App* check = config_command->add_subcommand("check",
                                                   "validate a file and print the "
                                                   "effective configuration");
  check->add_option("FILE", check_file, "TOML configuration file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;
  }

  if (app.got_subcommand("version")) {
    std::printf("herald %s\n", HERALD_VERSION);
    return 0;
  }
  if (config_command->parsed()) {
    ServeFlags flags;
    flags.config_file = check_file;
    auto config = BuildConfig(flags);
    if (!config) return 2;
    std::printf("# %s is valid; effective configuration:\n%s", check_file.c_str(),
                RenderConfig(*config).c_str());
    return 0;
  }
  bool is_demo = demo->parsed();
  auto config = BuildConfig(is_demo ? demo_flags : serve_flags);
  if (!config) return 2;
  SetUpLogging(config->log_level);
  const ServeFlags& flags = is_demo ? demo_flags : serve_flags;
  return RunServer(std::move(*config), is_demo, [&flags] { return BuildConfig(flags); });
}

}  // namespace herald::app
