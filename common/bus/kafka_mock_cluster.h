#pragma once
// librdkafka's in-memory mock Kafka cluster on 127.0.0.1 (ephemeral ports): for tests, the
// benchmark and `hinomi kafka-sandbox`. It keeps about 5 MiB / 100k messages per partition and
// drops older data, has no Admin API and no transactions: never for production.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/bus/kafka_bus.h"
#include "common/result.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace hinomi::bus {

class KafkaMockCluster {
  struct Private {
    explicit Private() = default;
  };

 public:
  // A cluster of `brokers` brokers, ids 1..brokers.
  [[nodiscard]] static Result<std::unique_ptr<KafkaMockCluster>> start(int brokers);
  KafkaMockCluster(Private, rd_kafka_s* handle, rd_kafka_mock_cluster_s* cluster, int brokers);
  ~KafkaMockCluster();  // clients still connected see the brokers disappear
  KafkaMockCluster(const KafkaMockCluster&) = delete;
  KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

  // "127.0.0.1:PORT,…" for bootstrap.servers.
  const std::string& bootstrapServers() const { return bootstrap_; }
  int brokerCount() const { return brokers_; }

  // Replicated on min(3, brokers) brokers.
  [[nodiscard]] Status createTopic(const std::string& topic, int partitions);
  // For KafkaBus::open: creates topics through this cluster; must not outlive it.
  KafkaBus::TopicCreator topicCreator();

  // Fault injection. A broker that is down drops its connections and refuses new ones; its
  // partitions keep their leader (use setPartitionLeader to move them).
  [[nodiscard]] Status setBrokerDown(int32_t broker_id);
  [[nodiscard]] Status setBrokerUp(int32_t broker_id);
  // Delays every response of the broker by `rtt_ms`, as a network would.
  [[nodiscard]] Status setBrokerRtt(int32_t broker_id, int rtt_ms);
  [[nodiscard]] Status setPartitionLeader(const std::string& topic, int32_t partition,
                                          int32_t broker_id);
  // The next `errors.size()` requests of Kafka API `api_key` (0 Produce, 1 Fetch, 8 OffsetCommit…)
  // fail with these Kafka error codes, in order.
  void failRequests(int16_t api_key, const std::vector<int>& errors);

 private:
  rd_kafka_s* handle_;                 // owns the cluster's threads; destroyed after it
  rd_kafka_mock_cluster_s* cluster_;
  int brokers_;
  std::string bootstrap_;
};

}  // namespace hinomi::bus
