#pragma once
// Replay's correlation windows: in memory while they fit the bound, then in a temporary RocksDB
// store that is removed at the end, so a replay of any size runs in bounded memory and prints what
// it would print with every window in memory (a bounded engine raises the same incidents in the
// same order: correlation_engine.h).

#include <cstddef>
#include <memory>
#include <string>

#include "common/result.h"
#include "correlator/windows/correlation_engine.h"
#include "correlator/windows/window_store.h"

namespace hinomi::correlator {

class SpillingWindows {
 public:
  // `engine` (created with max_groups_in_memory = `bound`) outlives this object's use of it; the
  // store is made under `temp_parent` when needed.
  SpillingWindows(CorrelationEngine& engine, size_t bound, std::string temp_parent);
  ~SpillingWindows();  // removes the store
  SpillingWindows(const SpillingWindows&) = delete;
  SpillingWindows& operator=(const SpillingWindows&) = delete;

  // After each event: every so many events, moves the windows to the store once they pass the
  // bound, and from then on writes what changed (the engine then evicts beyond the bound). An
  // error (no room for the store) leaves the windows in memory; it is returned once.
  [[nodiscard]] Status afterEvent();
  bool spilled() const { return store_ != nullptr; }
  const std::string& path() const { return path_; }

 private:
  static constexpr size_t kEvery = 1000;  // events between checks and writes
  CorrelationEngine& engine_;
  size_t bound_;
  std::string temp_parent_;
  std::string path_;
  std::unique_ptr<WindowStore> store_;
  size_t events_ = 0;
  bool failed_ = false;
};

}  // namespace hinomi::correlator
