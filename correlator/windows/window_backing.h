#pragma once
// Where a correlation engine with a memory bound keeps what it does not hold: every group's state
// and an index of their timers, as of the last write (WindowStore implements it on RocksDB). The
// engine reads a group back when it is seen again, and walks the timer index, in time order, for
// the deadlines its tenants' clocks pass.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hinomi::correlator {

class WindowBacking {
 public:
  virtual ~WindowBacking() = default;
  // The stored state of a group (key: correlation rule id, NUL, group key), if there is one.
  virtual std::optional<std::string> readGroup(std::string_view key) = 0;
  // Timer index entries in key order from `from` (inclusive) while their keys start with `prefix`;
  // stops when `visit` returns false.
  virtual void scanTimers(std::string_view from, std::string_view prefix,
                          const std::function<bool(std::string_view key, std::string_view value)>& visit) = 0;
  // Every stored group key, in order (end of input only: a replay's final counts).
  virtual void scanGroupKeys(const std::function<void(std::string_view key)>& visit) = 0;
};

}  // namespace hinomi::correlator
