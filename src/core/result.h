#pragma once

#include <string>
#include <utility>
#include <variant>

namespace herald::core {

// An error as a value: a stable machine-readable code ("invalid_topic") and a message for humans.
struct Error {
  std::string code;
  std::string message;
};

// Either a value or an Error. Used instead of exceptions on every data path.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace herald::core
