#pragma once
// Error and Result<T>: fallible functions return these instead of throwing (style.md "Errors").

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace hinomi {

enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kIo,
  kConfig,
  kBus,
  kUnavailable,  // try again later (broker down, queue full)
  kInternal,
};

// Where a config error is: a 1-based line and column in a file.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  Location location;

  // "FILE:LINE:COL: error: message" when a location is known, else the message alone.
  std::string toString() const;
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> makeError(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message), {}});
}

}  // namespace hinomi
