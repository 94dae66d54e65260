#pragma once
// DiskSpool: the collector's bounded, durable FIFO in front of the bus. Every accepted message is
// appended here first; SpoolDrainer (spool_drainer.h) publishes the entries in sequence order and
// removes one only once the bus reports it delivered (or moves it to the dead letters when the bus
// rejects it). So nothing accepted is lost while the bus is down: it waits here, up to max_bytes.
//
// Durability: append() returns only after its entry is in RocksDB's write-ahead log (in the OS
// page cache), so an entry append() acknowledged survives kill -9 under every FsyncPolicy; the
// policy only adds survival of a power loss (kAlways: before append returns; kInterval: within
// fsync_interval_ms). This is the embedded bus's rule (common/bus/embedded_bus.h).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/bus/bus_options.h"
#include "common/result.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace hinomi::collector {

struct SpoolOptions {
  std::string name = "default";  // the `spool` label of its metrics (from config)
  std::string path;              // RocksDB directory of its own
  // Logical bytes held (entry keys + encoded topic/key/value); append() refuses beyond this.
  int64_t max_bytes = int64_t(1) << 30;
  bus::FsyncPolicy fsync = bus::FsyncPolicy::kInterval;
  int64_t fsync_interval_ms = 1000;  // with kInterval
};

struct SpoolEntry {
  uint64_t seq = 0;
  std::string topic;
  std::string key;
  std::string value;
};

struct DeadLetter {
  SpoolEntry entry;
  std::string error;  // why the bus rejected it
};

struct SpoolMetrics;

class DiskSpool {
  struct Private {
    explicit Private() = default;
  };

 public:
  // Opens (or creates) the spool at options.path and recovers it: count, bytes and the next
  // sequence number are recomputed from what is on disk (one scan; a full 1 GiB spool reads in
  // about a second), so there is no counter to get out of step with the entries after a crash.
  [[nodiscard]] static Result<std::unique_ptr<DiskSpool>> open(const SpoolOptions& options);
  DiskSpool(Private, const SpoolOptions& options);
  ~DiskSpool();
  DiskSpool(const DiskSpool&) = delete;
  DiskSpool& operator=(const DiskSpool&) = delete;

  // Appends one entry; thread-safe. Returns its sequence number (increasing, never reused, also
  // across restarts) once the entry is in the WAL. kUnavailable "spool full" when it would take
  // the spool over max_bytes: the caller back-pressures (TCP), answers 503 (HTTP) or counts a
  // drop (UDP). kIo when RocksDB fails the write; nothing was stored then.
  [[nodiscard]] Result<uint64_t> append(std::string_view topic, std::string_view key,
                                        std::string_view value);
  // Waits until an entry of `entry_bytes` (see entryBytes) would fit, at most `timeout`.
  bool waitForSpace(int64_t entry_bytes, std::chrono::milliseconds timeout);
  // What an entry counts against max_bytes.
  static int64_t entryBytes(std::string_view topic, std::string_view key, std::string_view value);

  int64_t bytes() const;
  int64_t count() const;
  int64_t maxBytes() const { return options_.max_bytes; }
  const std::string& name() const { return options_.name; }

  // --- For the drainer (one reader). ---

  // Up to `max` entries with seq >= from_seq, in sequence order. Only entries whose append()
  // has completed and every earlier append() too are returned, so a reader that moves its
  // cursor past what it read never skips an entry still being written.
  [[nodiscard]] Result<std::vector<SpoolEntry>> read(uint64_t from_seq, size_t max);
  // Waits until an entry with seq >= from_seq is readable, at most `timeout`; true if one is.
  bool waitForEntries(uint64_t from_seq, std::chrono::milliseconds timeout);
  // Removes delivered entries and moves rejected ones to the dead letters, in one write.
  [[nodiscard]] Status release(const std::vector<SpoolEntry>& delivered,
                               const std::vector<DeadLetter>& rejected);

  // --- Dead letters: rejected entries with the bus's error, kept for an operator. ---
  int64_t deadLetterCount() const;
  [[nodiscard]] Result<std::vector<DeadLetter>> deadLetters(size_t max);

 private:
  Status openDb();
  Status recover();
  void syncLoop();
  uint64_t readableLocked() const;

  SpoolOptions options_;
  SpoolMetrics* metrics_ = nullptr;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* entries_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* dead_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;  // the default CF: next_seq floor

  mutable std::mutex mu_;
  std::condition_variable space_cv_;    // bytes_ went down
  std::condition_variable entries_cv_;  // an append completed
  uint64_t next_seq_ = 1;
  std::set<uint64_t> writing_;  // sequence numbers handed out whose write has not completed
  int64_t bytes_ = 0;           // includes entries being written (reserved before the write)
  int64_t count_ = 0;
  int64_t dead_count_ = 0;

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool stop_sync_ = false;
  std::thread syncer_;  // with FsyncPolicy::kInterval
};

}  // namespace hinomi::collector
