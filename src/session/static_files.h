#pragma once

#include <string_view>
#include <vector>

namespace herald::session {

// A file compiled into the binary (the demo page), served at `url`.
struct StaticFile {
  std::string_view url;
  std::string_view bytes;
};

// The file served at `path` ("/" or "/herald.js"), or nullptr.
const StaticFile* FindStaticFile(const std::vector<StaticFile>* files, std::string_view path);

// Content-Type for a path by its extension.
std::string_view ContentTypeFor(std::string_view path);

}  // namespace herald::session
