// Fuzzes the configuration loader: any bytes give a configuration or a list of problems, never a
// crash or an exception; a configuration without problems renders to TOML that loads again the
// same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "app/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  herald::app::Config config;
  std::vector<std::string> problems;
  herald::app::LoadConfigText(text, "fuzz.toml", config, problems);
  if (!problems.empty()) return 0;
  herald::app::ValidateConfig(config, problems);
  if (!problems.empty()) return 0;
  std::string rendered = herald::app::RenderConfig(config);
  herald::app::Config again;
  herald::app::LoadConfigText(rendered, "rendered.toml", again, problems);
  if (!problems.empty() || herald::app::RenderConfig(again) != rendered) __builtin_trap();
  return 0;
}
