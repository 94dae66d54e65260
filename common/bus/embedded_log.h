#pragma once
// The embedded bus's log: topics of partitions in RocksDB, appended to by one writer thread that
// group-commits whatever publishers queued, read by consumers, trimmed by retention. Shared by the
// EmbeddedBus and its consumers (a consumer that outlives the bus fails its calls, never crashes).
//
// What a delivery report promises (WAL written with write(2) before any callback runs):
//   - kill -9 of the process, any policy: every record reported kDelivered is there on reopen, at
//     its reported partition and offset; numbering continues after it.
//   - power loss or kernel crash: kAlways loses nothing reported; kInterval loses at most what was
//     reported in the last fsync_interval_ms (plus the length of one fsync); kNever may lose what
//     the OS had not written back (Linux: up to ~30 s). Committed offsets follow the same policy.
//   Recovery stops at the last intact WAL record, so a loss is always a suffix, never a hole.

#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/bus/bus.h"
#include "common/bus/bus_metrics.h"
#include "common/bus/bus_options.h"
#include "common/bus/embedded_groups.h"
#include "common/bus/embedded_log_keys.h"
#include "common/bus/embedded_store.h"
#include "common/time.h"

namespace hinomi::bus::embedded {

// Partition states are allocated once per topic at this size so that growing a topic moves nothing
// a publisher or consumer may be reading.
inline constexpr int32_t kMaxPartitions = 1024;
inline constexpr size_t kMaxRecordBytes = 16 << 20;
// A chunk (embedded_log_keys.h) is cut at whichever comes first: a reader seeking into one
// decodes it from its start, so it stays small.
inline constexpr uint32_t kMaxChunkRecords = 256;
inline constexpr size_t kMaxChunkBytes = 256 << 10;

struct PartitionState {
  std::atomic<int64_t> start{0};  // first retained offset
  std::atomic<int64_t> end{0};    // one past the last written offset: [start, end) is readable
  // The writer thread's alone:
  int64_t next = 0;          // next offset to hand out
  uint64_t chunk_round = 0;  // the round whose chunk `chunk` is being filled
  size_t chunk = 0;          // index in Log::chunks_
};

struct Topic {
  uint32_t id = 0;
  std::string name;
  std::atomic<int32_t> partitions{0};
  BusMetrics* metrics = nullptr;
  std::unique_ptr<PartitionState[]> parts;
  int64_t queued = 0;  // accepted, outcome not yet reported; guarded by Log::mu_
};

class Log {
 public:
  [[nodiscard]] static Result<std::shared_ptr<Log>> open(const EmbeddedBusOptions& options,
                                                         const Clock& clock);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Refuses new records, writes what is queued (its callbacks run), stops the threads and closes
  // RocksDB. Idempotent.
  void shutdown();

  // The topic, created with `min_partitions` (0: the default) or grown to it.
  [[nodiscard]] Result<Topic*> topic(const std::string& name, int32_t min_partitions);
  Topic* findTopic(const std::string& name);

  // Queues a record for the writer; kUnavailable when the backlog is full or the log is closed.
  [[nodiscard]] Status append(Topic& topic, std::string_view key, std::string_view value,
                              DeliveryCallback cb);
  [[nodiscard]] Status flush(std::chrono::milliseconds timeout);

  // Appends the records of [from, end) of a partition to `out`, at most `max`; returns how many.
  [[nodiscard]] Result<size_t> read(const Topic& topic, int32_t partition, int64_t from, size_t max,
                                    std::vector<Record>& out);
  // Consumers wait for the writer (or a rebalance) with these: read the generation, look for
  // records, and wait for it to move.
  uint64_t dataGeneration() const { return data_gen_.load(std::memory_order_acquire); }
  // False on timeout.
  bool waitForData(uint64_t seen, std::chrono::steady_clock::time_point deadline);
  void notifyData();
  bool closed() const { return closed_.load(std::memory_order_acquire); }

  [[nodiscard]] Status commitOffsets(const Topic& topic, const std::string& group,
                                     const std::vector<PartitionOffset>& offsets);
  [[nodiscard]] Result<std::optional<int64_t>> committedOffset(const Topic& topic,
                                                               const std::string& group,
                                                               int32_t partition);

  // Deletes the records older than retention_secs; returns how many. Runs periodically on the
  // maintenance thread; callable directly (tests).
  [[nodiscard]] Result<int64_t> applyRetention();

  GroupRegistry& groups() { return groups_; }
  const EmbeddedBusOptions& options() const { return options_; }

 private:
  struct Pending {
    Topic* topic;
    int32_t partition;
    uint32_t size;        // bytes of its encoded record in Queue::bytes
    int64_t offset;       // handed out by the writer
    int64_t accepted_us;  // for the latency histogram
    DeliveryCallback cb;
  };
  // Publishers fill one, the writer drains the other; swapping keeps both buffers' capacity, so
  // the hot path allocates nothing once warm.
  struct Queue {
    std::string bytes;
    std::vector<Pending> entries;
  };
  // One chunk being assembled by the writer: its records stay in Queue::bytes and RocksDB
  // gathers them (SliceParts) straight into the WriteBatch.
  struct ChunkBuild {
    Topic* topic = nullptr;
    int32_t partition = 0;
    int64_t first = 0;
    uint32_t count = 0;
    size_t bytes = 0;
    int64_t last_timestamp_ms = 0;
    char header[kChunkHeaderSize];
    std::vector<rocksdb::Slice> parts;  // [0] is the header
  };
  struct ChunkInfo {
    int64_t first = 0;
    uint32_t count = 0;
    int64_t last_timestamp_ms = 0;
  };

  Log(const EmbeddedBusOptions& options, const Clock& clock, std::unique_ptr<Store> store);
  [[nodiscard]] Status recover();
  [[nodiscard]] Status recoverPartition(Topic& topic, int32_t partition, int64_t stored_start);
  [[nodiscard]] Status writeTopicMeta(const Topic& topic, int32_t partitions);
  Topic& addTopic(uint32_t id, const std::string& name, int32_t partitions);

  void writerLoop();
  void writeRound(Queue& work, rocksdb::WriteBatch& batch);
  void reportRound(Queue& work, const rocksdb::Status& s);
  void maintenanceLoop();
  void markUnsynced();
  rocksdb::WriteOptions writeOptions() const;
  [[nodiscard]] Result<int64_t> retainPartition(Topic& topic, int32_t partition, int64_t cutoff_ms);
  // The chunk holding `offset`, or the first after it; nullopt when there is none.
  [[nodiscard]] Result<std::optional<ChunkInfo>> chunkAt(const Topic& topic, int32_t partition,
                                                         int64_t offset);

  const EmbeddedBusOptions options_;
  const Clock& clock_;
  std::unique_ptr<Store> store_;
  // Readers and committers hold it shared; shutdown() takes it exclusively to close RocksDB.
  mutable std::shared_mutex store_mu_;
  std::atomic<bool> closed_{false};

  std::shared_mutex topics_mu_;
  std::unordered_map<std::string, std::unique_ptr<Topic>> topics_;
  uint32_t next_topic_id_ = 1;

  // The publish queue and the counters flush() waits on.
  std::mutex mu_;
  std::condition_variable writer_cv_;
  std::condition_variable done_cv_;
  Queue queue_;
  bool closing_ = false;
  int64_t outstanding_ = 0;  // accepted and not yet reported
  uint64_t accepted_ = 0;
  uint64_t reported_ = 0;
  int flush_waiters_ = 0;
  int64_t last_timestamp_ms_ = 0;  // timestamps never go back, so retention can binary-search

  std::mutex data_mu_;
  std::condition_variable data_cv_;
  std::atomic<uint64_t> data_gen_{0};

  // kInterval: the maintenance thread fsyncs the WAL when something was written since last time.
  std::atomic<bool> unsynced_{false};
  std::mutex maintenance_mu_;
  std::condition_variable maintenance_cv_;
  bool stop_maintenance_ = false;
  std::mutex retention_mu_;

  // The writer thread's alone.
  uint64_t round_ = 0;
  std::vector<ChunkBuild> chunks_;
  std::string records_scratch_, compressed_scratch_;  // the writer's, reused per chunk

  GroupRegistry groups_;
  std::thread writer_;
  std::thread maintenance_;
};

}  // namespace hinomi::bus::embedded
