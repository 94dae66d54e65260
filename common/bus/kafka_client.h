#pragma once
// What the Kafka bus's producer and each of its consumers share: owning librdkafka objects,
// building a configuration from KafkaBusOptions, routing librdkafka's logs to the "bus" logger
// and turning its errors into Error. Internal to common/bus/kafka_*.cc.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "common/result.h"

namespace hinomi::bus::kafka {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

using Settings = std::vector<std::pair<std::string, std::string>>;

// A configuration with `settings` applied in order (later ones win) and logs routed to the "bus"
// logger. A refused setting gives an error that names the key as the caller wrote it (librdkafka
// names the canonical property, e.g. queue.buffering.max.ms for linger.ms).
[[nodiscard]] Result<Conf> makeConf(const Settings& settings);

// The value librdkafka holds for `key` ("" when unset).
std::string confValue(const rd_kafka_conf_t* conf, const std::string& key);

// A client handle; takes the configuration only on success, as rd_kafka_new does.
[[nodiscard]] Result<Handle> newHandle(rd_kafka_type_t type, Conf conf);

// Error{kBus, "<what>: <librdkafka's description>"}.
Error busError(std::string_view what, rd_kafka_resp_err_t err);

}  // namespace hinomi::bus::kafka
