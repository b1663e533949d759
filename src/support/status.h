// Status and Expected<T>: how every error a user can cause travels up to the CLI or C API.
// Part of support/, the bottom layer; no exception crosses a public boundary.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

namespace stitch {

// An error message, or OK. Messages carry their context (file, node, op) because the user
// sees exactly this text.
class Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(std::string message) {
    Status s;
    s.failed_ = true;
    s.message_ = std::move(message);
    return s;
  }
  bool is_ok() const { return !failed_; }
  explicit operator bool() const { return !failed_; }
  const std::string& message() const { return message_; }
  // Prefixes context, e.g. "node 'conv1' (Conv): " + message.
  Status with_context(const std::string& context) const {
    if (!failed_) return *this;
    return error(context + ": " + message_);
  }

 private:
  bool failed_ = false;
  std::string message_;
};

// Concatenates streamable arguments; used to build error messages.
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  ((os << args), ...);  // a comma fold, valid for an empty pack
  return os.str();
}

template <typename... Args>
Status error(const Args&... args) {
  return Status::error(str_cat(args...));
}

// A value or an error.
template <typename T>
class Expected {
 public:
  Expected(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Expected(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.is_ok()) status_ = Status::error("internal: Expected built from an OK status");
  }
  bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace stitch

#define STITCH_CONCAT_INNER(a, b) a##b
#define STITCH_CONCAT(a, b) STITCH_CONCAT_INNER(a, b)

#define STITCH_RETURN_IF_ERROR(expr)                    \
  do {                                                  \
    ::stitch::Status stitch_status_ = (expr);           \
    if (!stitch_status_.is_ok()) return stitch_status_; \
  } while (0)

#define STITCH_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.is_ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

// STITCH_ASSIGN_OR_RETURN(auto x, make_x()); returns the error if make_x() failed.
#define STITCH_ASSIGN_OR_RETURN(lhs, expr) \
  STITCH_ASSIGN_OR_RETURN_IMPL(STITCH_CONCAT(stitch_expected_, __LINE__), lhs, expr)

// Internal invariants (bugs in stitch, not user errors): abort with the context.
#define STITCH_CHECK(cond, ...)                                                                \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "stitch internal error at %s:%d: check '%s' failed %s\n", __FILE__, \
                   __LINE__, #cond, ::stitch::str_cat(__VA_ARGS__).c_str());                   \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)
