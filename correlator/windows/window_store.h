#pragma once
// Where the correlation windows live between restarts: a RocksDB database (under data_dir) with a
// column family per kind of state, written in one WriteBatch per consumed batch of events:
//
//   windows   correlation rule id, NUL, group key → the group's window state
//   offsets   topic, NUL, partition → the next offset whose event is not yet in the windows
//   meta      the engine's clock (per-tenant watermarks, timer order)
//
// The windows and the offsets they include move together, so after a crash the detector skips
// exactly the events already counted and counts every other one once (docs/correlations.md).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "correlator/windows/correlation_engine.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace hinomi::correlator {

struct WindowStoreStats {
  uint64_t groups_restored = 0;
  uint64_t groups_dropped = 0;  // of correlations no longer loaded, or unreadable: deleted
};

class WindowStore {
 public:
  [[nodiscard]] static Result<std::unique_ptr<WindowStore>> open(const std::string& path);
  ~WindowStore();
  WindowStore(const WindowStore&) = delete;
  WindowStore& operator=(const WindowStore&) = delete;

  // Fills a fresh `engine` with the stored windows; returns the stored next offset per partition
  // of `topic` (events before it are in the windows already).
  [[nodiscard]] Result<std::map<int32_t, int64_t>> load(CorrelationEngine& engine, const std::string& topic);
  // One atomic write: the groups the engine changed since the last commit, its clock, and
  // `next_offsets` of `topic`. On failure nothing is lost: the changes are kept for the next try.
  [[nodiscard]] Status commit(CorrelationEngine& engine, const std::string& topic,
                              const std::map<int32_t, int64_t>& next_offsets);

  WindowStoreStats stats() const { return stats_; }

 private:
  WindowStore() = default;
  std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* default_ = nullptr;
  rocksdb::ColumnFamilyHandle* windows_ = nullptr;
  rocksdb::ColumnFamilyHandle* offsets_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  std::vector<CorrelationEngine::StateChange> pending_;  // taken from the engine, not yet written
  WindowStoreStats stats_;
};

}  // namespace hinomi::correlator
