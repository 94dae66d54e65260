#pragma once
// One member of a Kafka consumer group on one topic: its own librdkafka consumer handle, offsets
// stored only by explicit commit(). Internal to the Kafka bus; KafkaBus::subscribe makes these.

#include <optional>
#include <string>
#include <vector>

#include "common/bus/bus.h"
#include "common/bus/bus_options.h"
#include "common/bus/kafka_client.h"

namespace hinomi::bus {

struct BusMetrics;

class KafkaConsumer final : public Consumer {
  struct Private {
    explicit Private() = default;
  };

 public:
  [[nodiscard]] static Result<std::unique_ptr<Consumer>> open(const KafkaBusOptions& options,
                                                              const std::string& topic,
                                                              const std::string& group);
  KafkaConsumer(Private, std::string topic);  // use open()
  ~KafkaConsumer() override;

  [[nodiscard]] Result<std::vector<Record>> poll(size_t max_records,
                                                 std::chrono::milliseconds timeout) override;
  [[nodiscard]] Status commit(const std::vector<PartitionOffset>& offsets) override;
  [[nodiscard]] Status seek(int32_t partition, int64_t offset) override;
  [[nodiscard]] Result<std::optional<int64_t>> committed(int32_t partition) override;
  std::vector<int32_t> assignment() override;
  void close() override;

 private:
  static void onRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void dropRevoked(const rd_kafka_topic_partition_list_t* partitions);
  // A message-level error: kept for the caller when it stops this member working, else logged.
  std::optional<Error> consumerError(const rd_kafka_message_t& message);
  Status usable() const;
  kafka::PartitionList listOf(int32_t partition, int64_t offset) const;

  std::string topic_;
  BusMetrics& metrics_;
  kafka::Handle rk_;
  bool closed_ = false;
  int64_t last_warning_ms_ = 0;  // rate-limits warnings about transient errors
  // The batch poll() is filling, so a revocation inside it can drop records of partitions this
  // member no longer owns (their next owner reads them from the committed offset).
  std::vector<Record>* filling_ = nullptr;
  std::optional<Error> deferred_error_;  // met after records were taken; reported next poll
};

}  // namespace hinomi::bus
