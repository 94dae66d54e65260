#pragma once
// The Kafka bus (librdkafka): an idempotent, acks=all producer shared by all publishers, and one
// consumer-group member per subscribe(). Tested against librdkafka's mock cluster
// (kafka_mock_cluster.h) with the same contract tests as the embedded bus.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "common/bus/bus.h"
#include "common/bus/bus_options.h"

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace hinomi::bus {

struct BusMetrics;

class KafkaBus final : public Bus {
  struct Private {
    explicit Private() = default;
  };

 public:
  // Creates a topic where the cluster has no Admin API (librdkafka's mock cluster); without one,
  // ensureTopic uses CreateTopics.
  using TopicCreator = std::function<Status(const std::string& topic, int partitions)>;

  // Refuses (kConfig, naming the key) an option librdkafka does not accept, and one that would
  // turn off what the bus promises: enable.idempotence, acks=all, the murmur2_random partitioner.
  [[nodiscard]] static Result<std::unique_ptr<Bus>> open(const KafkaBusOptions& options,
                                                         TopicCreator create_topic = {});
  ~KafkaBus() override;
  // Use open().
  KafkaBus(Private, const KafkaBusOptions& options, TopicCreator create_topic);
  KafkaBus(const KafkaBus&) = delete;
  KafkaBus& operator=(const KafkaBus&) = delete;

  std::string_view kind() const override { return "kafka"; }
  [[nodiscard]] Status ensureTopic(const std::string& topic, int partitions) override;
  [[nodiscard]] Result<int> partitionCount(const std::string& topic) override;
  [[nodiscard]] Status publish(const std::string& topic, std::string_view key,
                               std::string_view value, DeliveryCallback cb) override;
  [[nodiscard]] Status flush(std::chrono::milliseconds timeout) override;
  [[nodiscard]] Result<std::unique_ptr<Consumer>> subscribe(const std::string& topic,
                                                            const std::string& group) override;

  // The producer's setting as librdkafka holds it ("" when unknown); for tests and diagnostics.
  std::string producerSetting(const std::string& key) const;

 private:
  struct Pending;
  static void onDelivery(rd_kafka_s* rk, const rd_kafka_message_s* message, void* opaque);
  void finish(Pending& pending, std::string_view topic, const Delivery& delivery);
  BusMetrics& metricsFor(const std::string& topic);
  Result<std::optional<int>> findTopic(const std::string& topic);
  Status createTopic(const std::string& topic, int partitions);
  void serveDeliveries();
  void warnOutcome(std::string_view topic, const Delivery& delivery);

  KafkaBusOptions options_;
  TopicCreator create_topic_;
  rd_kafka_s* producer_ = nullptr;  // owned; destroyed last in ~KafkaBus

  std::mutex metrics_mu_;
  std::unordered_map<std::string, BusMetrics*> metrics_;

  // Records queued and still without an outcome; flush() waits for zero.
  std::mutex outstanding_mu_;
  std::condition_variable outstanding_cv_;
  int64_t outstanding_ = 0;

  std::atomic<int64_t> last_warning_ms_{0};  // rate-limits per-record warnings
  std::atomic<bool> stop_{false};
  std::thread poller_;  // serves delivery reports
};

}  // namespace hinomi::bus
