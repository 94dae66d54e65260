#include "common/bus/kafka_consumer.h"

#include <algorithm>
#include <chrono>

#include "common/bus/bus_metrics.h"
#include "common/logging.h"

namespace hinomi::bus {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kOpTimeoutMs = 10000;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

Record toRecord(const rd_kafka_message_t& m) {
  Record r;
  r.topic = rd_kafka_topic_name(m.rkt);
  r.partition = m.partition;
  r.offset = m.offset;
  if (m.key != nullptr) r.key.assign(static_cast<const char*>(m.key), m.key_len);
  if (m.payload != nullptr) r.value.assign(static_cast<const char*>(m.payload), m.len);
  r.timestamp_ms = std::max<int64_t>(0, rd_kafka_message_timestamp(&m, nullptr));
  return r;
}

bool isCooperative(rd_kafka_t* rk) {
  const char* protocol = rd_kafka_rebalance_protocol(rk);
  return protocol != nullptr && std::string_view(protocol) == "COOPERATIVE";
}

}  // namespace

Result<std::unique_ptr<Consumer>> KafkaConsumer::open(const KafkaBusOptions& options,
                                                      const std::string& topic,
                                                      const std::string& group) {
  // Offsets move only by commit(), after the caller's work is durable (architecture.md); a user
  // option that turns auto-commit back on is refused below rather than overridden.
  kafka::Settings settings{
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},  // a new group reads what was published before it
  };
  for (const auto& kv : options.librdkafka) settings.emplace_back(kv);
  settings.emplace_back("group.id", group);  // the role's group, whatever the `kafka:` table says
  auto conf = kafka::makeConf(settings);
  if (!conf) return tl::unexpected(conf.error());
  // librdkafka before 2.3.0 aborts the process (assertion in
  // rd_kafka_sticky_assignor_state_destroy, librdkafka#4312) when a cooperative-sticky member
  // closes before its first assignment; Debian bookworm ships 2.0.2.
  if (rd_kafka_version() < 0x02030000 &&
      kafka::confValue(conf->get(), "partition.assignment.strategy").find("cooperative-sticky") !=
          std::string::npos)
    return makeError(ErrorCode::kConfig,
                     std::string("librdkafka option partition.assignment.strategy=cooperative-"
                                 "sticky refused: librdkafka ") +
                         rd_kafka_version_str() +
                         " can abort the process with it (fixed in 2.3.0); use range or "
                         "roundrobin");
  for (const char* key : {"enable.auto.commit", "enable.auto.offset.store"}) {
    if (kafka::confValue(conf->get(), key) != "false")
      return makeError(ErrorCode::kConfig,
                       std::string("librdkafka option ") + key +
                           "=true refused: the Kafka bus commits offsets only when asked to");
  }

  auto consumer = std::make_unique<KafkaConsumer>(Private{}, topic);
  rd_kafka_conf_set_opaque(conf->get(), consumer.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &KafkaConsumer::onRebalance);
  auto handle = kafka::newHandle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!handle) return tl::unexpected(handle.error());
  consumer->rk_ = std::move(*handle);
  // Errors and logs are then served by consumer polls; there is no separate poller to run.
  rd_kafka_poll_set_consumer(consumer->rk_.get());
  kafka::PartitionList topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(consumer->rk_.get(), topics.get()); err)
    return tl::unexpected(kafka::busError("subscribe to " + topic, err));
  return consumer;
}

KafkaConsumer::KafkaConsumer(Private, std::string topic)
    : topic_(std::move(topic)), metrics_(BusMetrics::forTopic("kafka", topic_)) {}

KafkaConsumer::~KafkaConsumer() { close(); }

Status KafkaConsumer::usable() const {
  if (closed_ || !rk_)
    return makeError(ErrorCode::kInvalidArgument, "consumer of topic " + topic_ + " is closed");
  return {};
}

kafka::PartitionList KafkaConsumer::listOf(int32_t partition, int64_t offset) const {
  kafka::PartitionList list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition)->offset = offset;
  return list;
}

void KafkaConsumer::onRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<KafkaConsumer*>(opaque);
  auto log = logging::get("bus");
  bool cooperative = isCooperative(rk);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    log->info("Partitions assigned. topic={} count={} client={}", self->topic_, partitions->cnt,
              rd_kafka_name(rk));
    // Offsets are left unset, so each partition starts at the group's committed offset (or
    // auto.offset.reset): a new owner resumes exactly where the last commit says.
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, partitions)) {
        log->error("Assign failed. topic={} error=\"{}\"", self->topic_, rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else if (auto e = rd_kafka_assign(rk, partitions); e) {
      log->error("Assign failed. topic={} error=\"{}\"", self->topic_, rd_kafka_err2str(e));
    }
    return;
  }
  // Revoked, lost, or a rebalance error: give the partitions up.
  log->info("Partitions revoked. topic={} count={} reason={} client={}", self->topic_,
            partitions ? partitions->cnt : 0, rd_kafka_err2name(err), rd_kafka_name(rk));
  if (partitions) self->dropRevoked(partitions);
  if (cooperative) {
    if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, partitions)) {
      log->error("Unassign failed. topic={} error=\"{}\"", self->topic_, rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
    }
  } else {
    (void)rd_kafka_assign(rk, nullptr);
  }
}

void KafkaConsumer::dropRevoked(const rd_kafka_topic_partition_list_t* partitions) {
  if (filling_ == nullptr) return;
  std::erase_if(*filling_, [&](const Record& r) {
    for (int i = 0; i < partitions->cnt; ++i)
      if (partitions->elems[i].partition == r.partition && topic_ == partitions->elems[i].topic)
        return true;
    return false;
  });
}

std::optional<Error> KafkaConsumer::consumerError(const rd_kafka_message_t& m) {
  if (m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return std::nullopt;
  std::string text = rd_kafka_message_errstr(&m);
  switch (m.err) {
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
      return Error{ErrorCode::kBus, "Kafka consumer of topic " + topic_ + ": " + text, {}};
    default:
      break;
  }
  // Broker outages, a topic not created yet: librdkafka keeps trying, and so does the member.
  int64_t now = nowMs();
  if (now - last_warning_ms_ >= 10000) {
    last_warning_ms_ = now;
    logging::get("bus")->warn("Kafka consumer error; retrying. topic={} error={} reason=\"{}\"",
                              topic_, rd_kafka_err2name(m.err), text);
  }
  return std::nullopt;
}

Result<std::vector<Record>> KafkaConsumer::poll(size_t max_records,
                                                std::chrono::milliseconds timeout) {
  if (auto st = usable(); !st) return tl::unexpected(st.error());
  if (deferred_error_) {
    Error e = std::move(*deferred_error_);
    deferred_error_.reset();
    return tl::unexpected(std::move(e));
  }
  std::vector<Record> batch;
  filling_ = &batch;
  std::optional<Error> error;
  auto deadline = Clock::now() + timeout;
  bool first = true;
  while (batch.size() < max_records) {
    // Wait only for the first record; after it, take what is already fetched.
    int wait_ms = 0;
    if (batch.empty()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0 && !first) break;
      wait_ms = static_cast<int>(std::max<int64_t>(0, left));
    }
    first = false;
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> m(
        rd_kafka_consumer_poll(rk_.get(), wait_ms), &rd_kafka_message_destroy);
    if (!m) {
      if (batch.empty()) continue;
      break;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if ((error = consumerError(*m))) break;
      continue;
    }
    batch.push_back(toRecord(*m));
  }
  filling_ = nullptr;
  if (error) {
    if (batch.empty()) return tl::unexpected(std::move(*error));
    deferred_error_ = std::move(error);
  }
  if (!batch.empty()) metrics_.consumed->Increment(static_cast<double>(batch.size()));
  return batch;
}

Status KafkaConsumer::commit(const std::vector<PartitionOffset>& offsets) {
  if (auto st = usable(); !st) return st;
  if (offsets.empty()) return {};
  kafka::PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& po : offsets)
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), po.partition)->offset = po.offset;
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_.get(), list.get(), 0);
  for (int i = 0; !err && i < list->cnt; ++i) err = list->elems[i].err;
  if (err) {
    logging::get("bus")->warn("Commit failed. topic={} error={} client={}", topic_,
                              rd_kafka_err2name(err), rd_kafka_name(rk_.get()));
    auto e = kafka::busError("commit on topic " + topic_, err);
    // The group is rebalancing: this member's next poll() gives its partitions up, and their
    // next owner reads from the last successful commit (the records since come again).
    if (err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
        err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION || err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID)
      e.code = ErrorCode::kUnavailable;
    return tl::unexpected(std::move(e));
  }
  metrics_.committed->Increment();
  return {};
}

Status KafkaConsumer::seek(int32_t partition, int64_t offset) {
  if (auto st = usable(); !st) return st;
  auto owned = assignment();
  if (std::find(owned.begin(), owned.end(), partition) == owned.end())
    return makeError(ErrorCode::kInvalidArgument, "cannot seek: partition " +
                                                      std::to_string(partition) + " of topic " +
                                                      topic_ + " is not assigned to this member");
  auto list = listOf(partition, offset);
  if (rd_kafka_error_t* e = rd_kafka_seek_partitions(rk_.get(), list.get(), kOpTimeoutMs)) {
    std::string msg = rd_kafka_error_string(e);
    rd_kafka_error_destroy(e);
    return makeError(ErrorCode::kBus, "seek on topic " + topic_ + ": " + msg);
  }
  if (auto err = list->elems[0].err; err)
    return tl::unexpected(kafka::busError("seek on topic " + topic_, err));
  return {};
}

Result<std::optional<int64_t>> KafkaConsumer::committed(int32_t partition) {
  if (auto st = usable(); !st) return tl::unexpected(st.error());
  auto list = listOf(partition, RD_KAFKA_OFFSET_INVALID);
  if (auto err = rd_kafka_committed(rk_.get(), list.get(), kOpTimeoutMs); err)
    return tl::unexpected(kafka::busError("committed offset on topic " + topic_, err));
  const auto& e = list->elems[0];
  if (e.err) return tl::unexpected(kafka::busError("committed offset on topic " + topic_, e.err));
  // RD_KAFKA_OFFSET_INVALID (-1001): the group has committed nothing for this partition.
  if (e.offset < 0) return std::optional<int64_t>();
  return std::optional<int64_t>(e.offset);
}

std::vector<int32_t> KafkaConsumer::assignment() {
  std::vector<int32_t> out;
  if (closed_ || !rk_) return out;
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  kafka::PartitionList list(raw);
  for (int i = 0; i < list->cnt; ++i)
    if (topic_ == list->elems[i].topic) out.push_back(list->elems[i].partition);
  std::sort(out.begin(), out.end());
  return out;
}

void KafkaConsumer::close() {
  if (closed_ || !rk_) return;
  closed_ = true;
  if (auto err = rd_kafka_consumer_close(rk_.get()); err)
    logging::get("bus")->warn(
        "Kafka consumer did not leave its group cleanly. topic={} error=\"{}\"", topic_,
        rd_kafka_err2str(err));
}

}  // namespace hinomi::bus
