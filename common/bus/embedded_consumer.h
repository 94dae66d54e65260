#pragma once
// A member of an embedded consumer group: reads its share of a topic's partitions from the log.

#include <memory>
#include <string>
#include <vector>

#include "common/bus/bus.h"
#include "common/bus/embedded_log.h"

namespace hinomi::bus::embedded {

class EmbeddedConsumer final : public Consumer {
 public:
  // Joins `group` on `topic`; the other members give up partitions at their next call.
  EmbeddedConsumer(std::shared_ptr<Log> log, Topic& topic, std::string group);
  ~EmbeddedConsumer() override;

  [[nodiscard]] Result<std::vector<Record>> poll(size_t max_records,
                                                 std::chrono::milliseconds timeout) override;
  // Any partition of the topic may be committed, as in Kafka; offsets are not checked against
  // what was read.
  [[nodiscard]] Status commit(const std::vector<PartitionOffset>& offsets) override;
  [[nodiscard]] Status seek(int32_t partition, int64_t offset) override;
  [[nodiscard]] Result<std::optional<int64_t>> committed(int32_t partition) override;
  std::vector<int32_t> assignment() override;
  void close() override;

 private:
  struct Slot {
    int32_t partition;
    int64_t position;  // next offset to read; -1 until read from the group's committed offset
  };

  void refresh();
  [[nodiscard]] Status resolvePositions();
  [[nodiscard]] Status readAvailable(size_t max, std::vector<Record>& out);
  Slot* slot(int32_t partition);

  std::shared_ptr<Log> log_;
  Topic& topic_;
  std::string group_;
  GroupRegistry::Membership membership_;
  uint64_t seen_generation_ = UINT64_MAX;
  int32_t seen_partitions_ = 0;
  std::vector<Slot> slots_;  // ascending partition
  std::vector<char> dry_;    // per slot, during one poll: nothing more to read
  size_t first_slot_ = 0;    // rotates which partition is read first
  bool closed_ = false;
};

}  // namespace hinomi::bus::embedded
