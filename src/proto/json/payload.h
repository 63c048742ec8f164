#pragma once

#include <string>
#include <string_view>

namespace herald::proto::json {

// Appends the contract's payload field(s) to an open JSON object, with a leading comma:
// `,"data":<json>` when the payload is valid UTF-8 JSON (minified, so it fits one SSE line),
// `,"data":"<text>"` when it is other UTF-8 text, `,"data_b64":"<base64>"` otherwise.
// An empty payload (a deletion) appends `,"data":null`.
void AppendPayloadField(std::string& out, std::string_view payload);

// True when `text` is one valid JSON value (RFC 8259) in valid UTF-8, numbers of any size
// included.
bool IsJson(std::string_view text);

}  // namespace herald::proto::json
