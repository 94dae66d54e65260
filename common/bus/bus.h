#pragma once
// The bus: keyed records on partitioned topics, consumed by groups with explicit offsets.
// Two implementations pass the same contract tests (tests/unit/common/bus/bus_contract.h):
// EmbeddedBus (RocksDB, single machine) and KafkaBus (librdkafka).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hinomi::bus {

struct Record {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  int64_t timestamp_ms = 0;  // when the bus accepted the record
};

// Three outcomes, after Vector: a sender keeps (spools) what is not delivered and re-sends on kRetry.
enum class DeliveryOutcome { kDelivered, kRetry, kRejected };

struct Delivery {
  DeliveryOutcome outcome = DeliveryOutcome::kRetry;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string error;  // empty when delivered
};

// Runs exactly once per published record, on a bus thread (or inside flush()); keep it short.
using DeliveryCallback = std::function<void(const Delivery&)>;

// As in Kafka, a committed offset is the next record to read (last processed + 1).
struct PartitionOffset {
  int32_t partition = 0;
  int64_t offset = 0;
};

// One member of a consumer group on one topic. Not thread-safe: one thread polls it.
class Consumer {
 public:
  virtual ~Consumer() = default;

  // Up to max_records records from the partitions assigned to this member, in offset order per
  // partition, waiting at most `timeout` for the first. An empty batch is not an error.
  [[nodiscard]] virtual Result<std::vector<Record>> poll(size_t max_records,
                                                         std::chrono::milliseconds timeout) = 0;
  // Stores the group's offsets synchronously; after it returns a restart resumes from them.
  [[nodiscard]] virtual Status commit(const std::vector<PartitionOffset>& offsets) = 0;
  // Moves this member's read position in an assigned partition; the next poll reads from there.
  [[nodiscard]] virtual Status seek(int32_t partition, int64_t offset) = 0;
  // The group's committed offset for a partition, if any.
  [[nodiscard]] virtual Result<std::optional<int64_t>> committed(int32_t partition) = 0;
  // Partitions currently assigned to this member (may change on a rebalance).
  virtual std::vector<int32_t> assignment() = 0;
  // Leaves the group; further calls fail. The destructor calls it.
  virtual void close() = 0;
};

class Bus {
 public:
  virtual ~Bus() = default;

  virtual std::string_view kind() const = 0;  // "embedded" or "kafka"

  // Makes sure the topic exists: creates it with `partitions` partitions when it is absent. An
  // existing topic with at least that many is fine; one with fewer is a kConfig error, not grown,
  // because adding partitions moves keys and breaks per-key order.
  [[nodiscard]] virtual Status ensureTopic(const std::string& topic, int partitions) = 0;
  [[nodiscard]] virtual Result<int> partitionCount(const std::string& topic) = 0;

  // Queues a keyed record. Records with the same key land in the same partition (murmur2, as
  // Kafka's Java client and librdkafka's murmur2_random), in publish order. An error here means
  // the record was not queued and `cb` will not run; otherwise `cb` runs exactly once.
  [[nodiscard]] virtual Status publish(const std::string& topic, std::string_view key,
                                       std::string_view value, DeliveryCallback cb) = 0;
  // Waits until every record queued so far has its outcome, at most `timeout`.
  [[nodiscard]] virtual Status flush(std::chrono::milliseconds timeout) = 0;

  [[nodiscard]] virtual Result<std::unique_ptr<Consumer>> subscribe(const std::string& topic,
                                                                    const std::string& group) = 0;
};

}  // namespace hinomi::bus
