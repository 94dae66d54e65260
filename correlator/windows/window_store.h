#pragma once
// Where the correlation windows live between batches and restarts: a RocksDB database (under
// data_dir) with a column family per kind of state, written in one WriteBatch per consumed batch:
//
//   windows   correlation rule id, NUL, group key → the group's window state
//   timers    tenant, NUL, due time, sequence → the group's key (the index of every deadline)
//   offsets   topic, NUL, partition → the next offset whose event is not yet in the windows
//   sources   topic, NUL, partition, events partition → the last match counted from that events
//             partition (a window stage on the matches topic: match_record.h)
//   meta      the engine's clock (per-tenant watermarks, timer order)
//
// The windows and the offsets they include move together, so after a crash the detector skips
// exactly the events already counted and counts every other one once (docs/correlations.md).
// The store is also the engine's backing (window_backing.h): groups are not loaded at start but
// read when seen, and an engine with a memory bound evicts groups after each write.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "correlator/windows/correlation_engine.h"
#include "correlator/windows/match_record.h"
#include "correlator/windows/window_backing.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace hinomi::correlator {

// (matches partition, events partition) → the last match counted from there.
using CountedSources = std::map<std::pair<int32_t, int32_t>, MatchSource>;

struct WindowStoreStats {
  uint64_t correlations_dropped = 0;  // correlations no longer loaded whose groups were deleted at load
  uint64_t read_errors = 0;           // reads that failed (the group or timer was taken as absent)
};

class WindowStore : public WindowBacking {
 public:
  [[nodiscard]] static Result<std::unique_ptr<WindowStore>> open(const std::string& path);
  ~WindowStore() override;
  WindowStore(const WindowStore&) = delete;
  WindowStore& operator=(const WindowStore&) = delete;

  // Prepares a fresh `engine`: its clock restored, the groups of correlations it no longer has
  // deleted, and the store attached as its backing (the store outlives the engine's use of it).
  // Returns the stored next offset per partition of `topic` (events before it are counted).
  [[nodiscard]] Result<std::map<int32_t, int64_t>> load(CorrelationEngine& engine, const std::string& topic);
  // One atomic write: what the engine changed since the last commit, its clock, and
  // `next_offsets` of `topic`; then the engine evicts what its memory bound asks. On failure
  // nothing is lost: the changes are kept for the next try.
  [[nodiscard]] Status commit(CorrelationEngine& engine, const std::string& topic,
                              const std::map<int32_t, int64_t>& next_offsets, const CountedSources& sources = {});
  // What commit() last wrote as `sources` of `topic`.
  [[nodiscard]] Result<CountedSources> loadSources(const std::string& topic);

  // WindowBacking
  std::optional<std::string> readGroup(std::string_view key) override;
  void scanTimers(std::string_view from, std::string_view prefix,
                  const std::function<bool(std::string_view key, std::string_view value)>& visit) override;
  void scanGroupKeys(const std::function<void(std::string_view key)>& visit) override;

  // RocksDB's estimate of the stored groups (cheap; for the open-groups gauge).
  uint64_t estimatedGroups() const;
  // The exact number, by reading every key (tests and benchmarks).
  uint64_t countGroups() const;
  WindowStoreStats stats() const { return stats_; }

 private:
  WindowStore() = default;
  void readFailed(const std::string& what);
  std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* default_ = nullptr;
  rocksdb::ColumnFamilyHandle* windows_ = nullptr;
  rocksdb::ColumnFamilyHandle* timers_ = nullptr;
  rocksdb::ColumnFamilyHandle* offsets_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* sources_ = nullptr;
  std::vector<CorrelationEngine::StateChange> pending_;  // taken from the engine, not yet written
  WindowStoreStats stats_;
  int64_t last_error_log_us_ = 0;
};

}  // namespace hinomi::correlator
