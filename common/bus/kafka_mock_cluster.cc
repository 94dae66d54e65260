#include "common/bus/kafka_mock_cluster.h"

#include <algorithm>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "common/bus/kafka_client.h"

namespace hinomi::bus {
namespace {

Status check(rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  return tl::unexpected(kafka::busError("mock cluster: " + what, err));
}

}  // namespace

Result<std::unique_ptr<KafkaMockCluster>> KafkaMockCluster::start(int brokers) {
  if (brokers < 1)
    return makeError(ErrorCode::kInvalidArgument, "a mock cluster needs at least one broker");
  // The cluster hangs off a client handle that never connects anywhere; errors only, so its
  // expected "no bootstrap.servers" warning stays quiet.
  auto conf = kafka::makeConf({{"log_level", "3"}});
  if (!conf) return tl::unexpected(conf.error());
  auto handle = kafka::newHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!handle) return tl::unexpected(handle.error());
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle->get(), brokers);
  if (cluster == nullptr)
    return makeError(ErrorCode::kInternal, "librdkafka could not start a mock cluster");
  return std::make_unique<KafkaMockCluster>(Private{}, handle->release(), cluster, brokers);
}

KafkaMockCluster::KafkaMockCluster(Private, rd_kafka_s* handle, rd_kafka_mock_cluster_s* cluster,
                                   int brokers)
    : handle_(handle),
      cluster_(cluster),
      brokers_(brokers),
      bootstrap_(rd_kafka_mock_cluster_bootstraps(cluster)) {}

KafkaMockCluster::~KafkaMockCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);  // ~1 s once clients have connected (librdkafka's)
  rd_kafka_destroy(handle_);
}

Status KafkaMockCluster::createTopic(const std::string& topic, int partitions) {
  if (partitions < 1)
    return makeError(ErrorCode::kInvalidArgument, "topic " + topic + ": partitions must be >= 1");
  return check(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions,
                                          std::min(3, brokers_)),
               "create topic " + topic);
}

KafkaBus::TopicCreator KafkaMockCluster::topicCreator() {
  return [this](const std::string& topic, int partitions) {
    return createTopic(topic, partitions);
  };
}

Status KafkaMockCluster::setBrokerDown(int32_t broker_id) {
  return check(rd_kafka_mock_broker_set_down(cluster_, broker_id),
               "broker " + std::to_string(broker_id) + " down");
}

Status KafkaMockCluster::setBrokerUp(int32_t broker_id) {
  return check(rd_kafka_mock_broker_set_up(cluster_, broker_id),
               "broker " + std::to_string(broker_id) + " up");
}

Status KafkaMockCluster::setBrokerRtt(int32_t broker_id, int rtt_ms) {
  return check(rd_kafka_mock_broker_set_rtt(cluster_, broker_id, rtt_ms),
               "rtt of broker " + std::to_string(broker_id));
}

Status KafkaMockCluster::setPartitionLeader(const std::string& topic, int32_t partition,
                                            int32_t broker_id) {
  return check(rd_kafka_mock_partition_set_leader(cluster_, topic.c_str(), partition, broker_id),
               "move leader of " + topic + "/" + std::to_string(partition));
}

void KafkaMockCluster::failRequests(int16_t api_key, const std::vector<int>& errors) {
  std::vector<rd_kafka_resp_err_t> codes;
  codes.reserve(errors.size());
  for (int e : errors) codes.push_back(static_cast<rd_kafka_resp_err_t>(e));
  rd_kafka_mock_push_request_errors_array(cluster_, api_key, codes.size(), codes.data());
}

}  // namespace hinomi::bus
