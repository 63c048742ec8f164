#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::proto::http {

// Decodes %XX escapes; with `plus_as_space` (query strings, form encoding) '+' becomes ' '.
// nullopt when an escape is malformed ("%4", "%zz").
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);

struct Target {
  std::string path;                                        // percent-decoded, '+' kept as '+'
  std::vector<std::pair<std::string, std::string>> query;  // decoded; '+' in the query is a space

  // First query value named `name`, or nullptr; All() every value in order.
  const std::string* Query(std::string_view name) const;
  std::vector<std::string> All(std::string_view name) const;
};

// Splits an origin-form request-target ("/a/b?x=1&y") into decoded path and query.
// nullopt when it is not origin-form or an escape is malformed.
std::optional<Target> ParseTarget(std::string_view raw);

}  // namespace herald::proto::http
