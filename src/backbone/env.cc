#include "backbone/env.h"

#include <cerrno>
#include <cstring>

namespace herald::backbone {

Status Status::FromErrno(std::string_view what, std::string_view path, int err) {
  std::string code = "io_error";
  if (err == ENOSPC || err == EDQUOT) code = "no_space";
  if (err == ENOENT) code = "not_found";
  std::string message(what);
  message += ' ';
  message += path;
  message += ": ";
  message += std::strerror(err);
  return Make(std::move(code), std::move(message));
}

}  // namespace herald::backbone
