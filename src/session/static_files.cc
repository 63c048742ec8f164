#include "session/static_files.h"

namespace herald::session {

const StaticFile* FindStaticFile(const std::vector<StaticFile>* files, std::string_view path) {
  if (files == nullptr) return nullptr;
  for (const StaticFile& file : *files) {
    if (file.url == path) return &file;
  }
  return nullptr;
}

std::string_view ContentTypeFor(std::string_view path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
  };
  if (path == "/" || ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".json")) return "application/json";
  return "application/octet-stream";
}

}  // namespace herald::session
