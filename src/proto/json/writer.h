#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace herald::proto::json {

// Appends `text` as a JSON string literal (quotes included). `text` must be valid UTF-8;
// control characters are escaped, '/' is not.
void AppendString(std::string& out, std::string_view text);

// Appends `texts` as a JSON array of strings: ["a","b"].
void AppendStringArray(std::string& out, const std::vector<std::string>& texts);

// Appends `bytes` as base64 (RFC 4648, with padding).
void AppendBase64(std::string& out, std::string_view bytes);

// Decodes standard base64 (padding optional); false on malformed input.
bool DecodeBase64(std::string_view text, std::string& out);

}  // namespace herald::proto::json
