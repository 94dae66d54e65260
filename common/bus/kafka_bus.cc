#include "common/bus/kafka_bus.h"

#include <librdkafka/rdkafka.h>

#include "common/bus/bus_metrics.h"
#include "common/bus/kafka_client.h"
#include "common/bus/kafka_consumer.h"
#include "common/logging.h"

namespace hinomi::bus {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMetadataTimeoutMs = 10000;
constexpr int kAdminTimeoutMs = 30000;
constexpr int kPollIntervalMs = 100;

// Outcomes that re-sending cannot fix. Everything else (timeouts, full queues, broker outages,
// leader moves, a purge at shutdown) is kRetry: the sender keeps the record and sends it again,
// which is at-least-once even where librdkafka says the record was possibly persisted.
DeliveryOutcome outcomeOf(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return DeliveryOutcome::kDelivered;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
      return DeliveryOutcome::kRejected;
    default:
      return DeliveryOutcome::kRetry;
  }
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

// A producer setting the bus depends on, checked after the user's options were applied.
Status require(const rd_kafka_conf_t* conf, const std::string& key,
               std::initializer_list<std::string_view> allowed, const char* why) {
  auto value = kafka::confValue(conf, key);
  for (auto a : allowed)
    if (value == a) return {};
  return makeError(ErrorCode::kConfig, "librdkafka option " + key + "=" + value +
                                           " refused: the Kafka bus needs " + std::string(why));
}

}  // namespace

struct KafkaBus::Pending {
  DeliveryCallback cb;
  Clock::time_point queued_at;
  BusMetrics* metrics;
};

Result<std::unique_ptr<Bus>> KafkaBus::open(const KafkaBusOptions& options,
                                           TopicCreator create_topic) {
  // The user's options come after the defaults so that they can tune anything (batching,
  // security, timeouts); the three settings checked below are what kDelivered means, so a user
  // value that turns one off is refused rather than silently overridden.
  kafka::Settings settings{
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
  };
  for (const auto& kv : options.librdkafka) settings.emplace_back(kv);
  auto conf = kafka::makeConf(settings);
  if (!conf) return tl::unexpected(conf.error());
  Status ok = require(conf->get(), "enable.idempotence", {"true"},
                      "the idempotent producer (librdkafka's retries add no duplicates and keep "
                      "the order)");
  if (ok) ok = require(conf->get(), "acks", {"-1", "all"},
                       "acks=all (a record is delivered once every in-sync replica has it)");
  if (ok) ok = require(conf->get(), "partitioner", {"murmur2_random"},
                       "partitioner=murmur2_random (a key lands in the partition the embedded bus "
                       "and Kafka's Java client choose)");
  if (!ok) return tl::unexpected(ok.error());

  auto bus = std::make_unique<KafkaBus>(Private{}, options, std::move(create_topic));
  rd_kafka_conf_set_opaque(conf->get(), bus.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &KafkaBus::onDelivery);
  auto handle = kafka::newHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!handle) return tl::unexpected(handle.error());
  bus->producer_ = handle->release();
  bus->poller_ = std::thread([b = bus.get()] { b->serveDeliveries(); });
  return bus;
}

KafkaBus::KafkaBus(Private, const KafkaBusOptions& options, TopicCreator create_topic)
    : options_(options), create_topic_(std::move(create_topic)) {}

KafkaBus::~KafkaBus() {
  if (producer_ == nullptr) return;
  stop_ = true;
  rd_kafka_queue_t* main_queue = rd_kafka_queue_get_main(producer_);
  rd_kafka_queue_yield(main_queue);  // wakes the poller now rather than at its next timeout
  rd_kafka_queue_destroy(main_queue);
  if (poller_.joinable()) poller_.join();
  // Each queued record still gets its one callback: delivered if it makes it within the flush
  // timeout, else purged, which reports kRetry.
  rd_kafka_flush(producer_, static_cast<int>(options_.flush_timeout_ms));
  rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    {
      std::lock_guard lock(outstanding_mu_);
      if (outstanding_ == 0) break;
    }
    rd_kafka_poll(producer_, kPollIntervalMs);
  }
  rd_kafka_destroy(producer_);
}

void KafkaBus::serveDeliveries() {
  while (!stop_.load()) rd_kafka_poll(producer_, kPollIntervalMs);
}

void KafkaBus::onDelivery(rd_kafka_s* /*rk*/, const rd_kafka_message_s* message, void* opaque) {
  auto* bus = static_cast<KafkaBus*>(opaque);
  std::unique_ptr<Pending> pending(static_cast<Pending*>(message->_private));
  Delivery d;
  d.outcome = outcomeOf(message->err);
  if (d.outcome == DeliveryOutcome::kDelivered) {
    d.partition = message->partition;
    d.offset = message->offset;
  } else {
    d.error = rd_kafka_err2str(message->err);
  }
  bus->finish(*pending, rd_kafka_topic_name(message->rkt), d);
}

void KafkaBus::finish(Pending& pending, std::string_view topic, const Delivery& delivery) {
  auto& m = *pending.metrics;
  m.queued->Decrement();
  m.delivery_latency->Observe(
      std::chrono::duration<double>(Clock::now() - pending.queued_at).count());
  switch (delivery.outcome) {
    case DeliveryOutcome::kDelivered: m.delivered->Increment(); break;
    case DeliveryOutcome::kRetry: m.retry->Increment(); break;
    case DeliveryOutcome::kRejected: m.rejected->Increment(); break;
  }
  if (delivery.outcome != DeliveryOutcome::kDelivered) warnOutcome(topic, delivery);
  try {
    pending.cb(delivery);
  } catch (const std::exception& e) {
    logging::get("bus")->error("Delivery callback threw; ignored. topic={} what=\"{}\"",
                               topic, e.what());
  } catch (...) {
    logging::get("bus")->error("Delivery callback threw; ignored. topic={}", topic);
  }
  std::lock_guard lock(outstanding_mu_);
  if (--outstanding_ == 0) outstanding_cv_.notify_all();
}

void KafkaBus::warnOutcome(std::string_view topic, const Delivery& delivery) {
  // A broker outage fails every queued record at once: one line per 10 s is enough.
  int64_t now = nowMs(), last = last_warning_ms_.load();
  if (now - last < 10000 || !last_warning_ms_.compare_exchange_strong(last, now)) return;
  logging::get("bus")->warn("Record not delivered. topic={} outcome={} error=\"{}\"", topic,
                            delivery.outcome == DeliveryOutcome::kRetry ? "retry" : "rejected",
                            delivery.error);
}

BusMetrics& KafkaBus::metricsFor(const std::string& topic) {
  std::lock_guard lock(metrics_mu_);
  auto it = metrics_.find(topic);
  if (it != metrics_.end()) return *it->second;
  auto& m = BusMetrics::forTopic(kind(), topic);
  metrics_.emplace(topic, &m);
  return m;
}

Status KafkaBus::publish(const std::string& topic, std::string_view key, std::string_view value,
                         DeliveryCallback cb) {
  char errstr[512];
  if (rd_kafka_fatal_error(producer_, errstr, sizeof errstr) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return makeError(ErrorCode::kBus, std::string("Kafka producer stopped for good: ") + errstr);
  auto& m = metricsFor(topic);
  auto pending = std::make_unique<Pending>(Pending{std::move(cb), Clock::now(), &m});
  {
    // Counted before producev: the delivery report may run on the poller before it returns.
    std::lock_guard lock(outstanding_mu_);
    ++outstanding_;
  }
  // An empty key is still a key: a null pointer would make murmur2_random pick a random
  // partition instead of partitionFor("").
  static constexpr char kEmptyKey[] = "";
  const char* key_data = key.empty() ? kEmptyKey : key.data();
  rd_kafka_resp_err_t err = rd_kafka_producev(
      producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key_data, key.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(pending.get()), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    {
      std::lock_guard lock(outstanding_mu_);
      if (--outstanding_ == 0) outstanding_cv_.notify_all();
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      return makeError(ErrorCode::kUnavailable,
                       "Kafka producer queue is full (queue.buffering.max.messages/kbytes); "
                       "try again later");
    m.rejected->Increment();
    auto code = err == RD_KAFKA_RESP_ERR__FATAL ? ErrorCode::kBus : ErrorCode::kInvalidArgument;
    return makeError(code, "cannot publish to " + topic + ": " + rd_kafka_err2str(err));
  }
  (void)pending.release();  // onDelivery owns it now
  m.published->Increment();
  m.queued->Increment();
  return {};
}

Status KafkaBus::flush(std::chrono::milliseconds timeout) {
  // The poller serves the delivery reports, so callbacks never run on the caller's thread.
  std::unique_lock lock(outstanding_mu_);
  if (outstanding_cv_.wait_for(lock, timeout, [this] { return outstanding_ == 0; })) return {};
  return makeError(ErrorCode::kUnavailable,
                   std::to_string(outstanding_) + " records still wait for their outcome after " +
                       std::to_string(timeout.count()) + " ms");
}

Result<std::optional<int>> KafkaBus::findTopic(const std::string& topic) {
  // All topics, not this one: asking for a named topic lets the broker auto-create it with its
  // default partition count.
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(producer_, 1, nullptr, &md, kMetadataTimeoutMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return tl::unexpected(kafka::busError("metadata", err));
  std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)> owned(
      md, &rd_kafka_metadata_destroy);
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (topic != t.topic) continue;
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) return std::optional<int>();
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return tl::unexpected(kafka::busError("metadata of topic " + topic, t.err));
    return std::optional<int>(t.partition_cnt);
  }
  return std::optional<int>();
}

Status KafkaBus::ensureTopic(const std::string& topic, int partitions) {
  if (partitions < 1)
    return makeError(ErrorCode::kInvalidArgument, "topic " + topic + ": partitions must be >= 1");
  auto found = findTopic(topic);
  if (!found) return tl::unexpected(found.error());
  if (found->has_value()) {
    if (**found >= partitions) return {};
    // Adding partitions moves keys to other partitions and breaks per-key order, so it is left
    // to an operator who means it.
    return makeError(ErrorCode::kConfig,
                     "topic " + topic + " has " + std::to_string(**found) +
                         " partitions, fewer than " + std::to_string(partitions) +
                         "; add partitions with Kafka's tools if that is intended");
  }
  if (auto created = createTopic(topic, partitions); !created) return created;
  // CreateTopics returns before every broker knows the topic.
  auto deadline = Clock::now() + std::chrono::milliseconds(kMetadataTimeoutMs);
  while (true) {
    auto now_found = findTopic(topic);
    if (!now_found) return tl::unexpected(now_found.error());
    if (now_found->has_value()) return {};
    if (Clock::now() > deadline)
      return makeError(ErrorCode::kBus, "topic " + topic + " was created but is not in metadata");
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollIntervalMs));
  }
}

Status KafkaBus::createTopic(const std::string& topic, int partitions) {
  logging::get("bus")->info("Creating Kafka topic. topic={} partitions={}", topic, partitions);
  if (create_topic_) return create_topic_(topic, partitions);
  char errstr[512];
  // Replication factor -1: the broker's default.replication.factor.
  std::unique_ptr<rd_kafka_NewTopic_t, decltype(&rd_kafka_NewTopic_destroy)> nt(
      rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, errstr, sizeof errstr),
      &rd_kafka_NewTopic_destroy);
  if (!nt) return makeError(ErrorCode::kInvalidArgument, "topic " + topic + ": " + errstr);
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> opts(
      rd_kafka_AdminOptions_new(producer_, RD_KAFKA_ADMIN_OP_CREATETOPICS),
      &rd_kafka_AdminOptions_destroy);
  if (rd_kafka_AdminOptions_set_operation_timeout(opts.get(), kAdminTimeoutMs, errstr,
                                                  sizeof errstr) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return makeError(ErrorCode::kInternal, errstr);
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(
      rd_kafka_queue_new(producer_), &rd_kafka_queue_destroy);
  rd_kafka_NewTopic_t* topics[] = {nt.get()};
  rd_kafka_CreateTopics(producer_, topics, 1, opts.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> ev(
      rd_kafka_queue_poll(queue.get(), kAdminTimeoutMs + 5000), &rd_kafka_event_destroy);
  if (!ev) return makeError(ErrorCode::kUnavailable, "creating topic " + topic + " timed out");
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return makeError(ErrorCode::kBus, "creating topic " + topic + ": " +
                                          rd_kafka_event_error_string(ev.get()));
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    auto err = rd_kafka_topic_result_error(results[i]);
    // Another client may have created it meanwhile; ensureTopic checks the partition count.
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      continue;
    const char* msg = rd_kafka_topic_result_error_string(results[i]);
    return makeError(ErrorCode::kBus, "creating topic " + topic + ": " +
                                          (msg ? msg : rd_kafka_err2str(err)));
  }
  return {};
}

Result<int> KafkaBus::partitionCount(const std::string& topic) {
  auto found = findTopic(topic);
  if (!found) return tl::unexpected(found.error());
  if (!found->has_value()) return makeError(ErrorCode::kNotFound, "no Kafka topic " + topic);
  return **found;
}

Result<std::unique_ptr<Consumer>> KafkaBus::subscribe(const std::string& topic,
                                                      const std::string& group) {
  return KafkaConsumer::open(options_, topic, group);
}

std::string KafkaBus::producerSetting(const std::string& key) const {
  return kafka::confValue(rd_kafka_conf(producer_), key);
}

}  // namespace hinomi::bus
