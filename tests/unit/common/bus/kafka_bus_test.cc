// KafkaBus against librdkafka's mock cluster: the bus contract, plus what only Kafka has
// (librdkafka options, broker outages, the producer's delivery settings).
#include "common/bus/kafka_bus.h"

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "common/bus/bus_metrics.h"
#include "common/logging.h"
#include "common/bus/kafka_mock_cluster.h"
#include "common/bus/partitioner.h"
#include "tests/unit/common/bus/bus_contract.h"

namespace hinomi::bus::testing {
namespace {

using std::chrono::milliseconds;

// Short group timings keep the suite quick: the mock's first join waits ~3 s and a later
// rebalance waits session.timeout.ms - 1 s for members.
std::map<std::string, std::string> fastOptions(const std::string& bootstrap) {
  std::map<std::string, std::string> options{{"bootstrap.servers", bootstrap},
                                             {"session.timeout.ms", "6000"},
                                             {"heartbeat.interval.ms", "500"},
                                             {"topic.metadata.refresh.interval.ms", "1000"},
                                             {"reconnect.backoff.max.ms", "500"},
                                             {"linger.ms", "1"}};
  // HINOMI_TEST_KAFKA_DEBUG=cgrp,fetch,… turns librdkafka's debug contexts on, to diagnose a
  // failing test.
  if (const char* debug = std::getenv("HINOMI_TEST_KAFKA_DEBUG")) {
    options["debug"] = debug;
    logging::setLevel("debug");
  }
  return options;
}

constexpr int kRttMs = 20;

std::unique_ptr<KafkaMockCluster> startCluster() {
  auto cluster = KafkaMockCluster::start(3);
  if (!cluster) {
    // Nothing in a test can run without it; stop with the reason rather than crash later.
    std::cerr << "cannot start the mock cluster: " << cluster.error().toString() << "\n";
    std::abort();
  }
  return std::move(*cluster);
}

class KafkaHarness : public BusHarness {
 public:
  KafkaHarness() {
    // librdkafka 2.0.2's mock coordinator answers a follower's SyncGroup that arrives after the
    // leader's with INVALID_REQUEST; the follower rejoins and the group rebalances for
    // session.timeout.ms - 1 s, refusing commits. A loaded machine makes that ordering likely.
    // A network's round trip makes the leader, which fetches metadata before it assigns, sync
    // last, as it does against a real cluster.
    for (int id = 1; id <= cluster_->brokerCount(); ++id)
      if (!cluster_->setBrokerRtt(id, kRttMs)) std::abort();
  }

  std::unique_ptr<Bus> open() override {
    KafkaBusOptions options;
    options.librdkafka = fastOptions(cluster_->bootstrapServers());
    auto bus = KafkaBus::open(options, cluster_->topicCreator());
    if (!bus) {
      std::cerr << "cannot open KafkaBus: " << bus.error().toString() << "\n";
      std::abort();
    }
    return std::move(*bus);
  }

 private:
  std::unique_ptr<KafkaMockCluster> cluster_ = startCluster();
};

INSTANTIATE_TEST_SUITE_P(Kafka, BusContractTest,
                         ::testing::Values(BusHarnessFactory{
                             "Kafka", [] { return std::make_unique<KafkaHarness>(); }}));

// Outcomes of published records, in publish order.
class Outcomes {
 public:
  DeliveryCallback track() {
    std::lock_guard lock(mu_);
    size_t i = got_.size();
    got_.emplace_back();
    calls_.push_back(0);
    return [this, i](const Delivery& d) {
      std::lock_guard lock(mu_);
      got_[i] = d;
      ++calls_[i];
    };
  }
  Delivery at(size_t i) {
    std::lock_guard lock(mu_);
    return got_.at(i);
  }
  int callsAt(size_t i) {
    std::lock_guard lock(mu_);
    return calls_.at(i);
  }

 private:
  std::mutex mu_;
  std::vector<Delivery> got_;
  std::vector<int> calls_;
};

class KafkaBusTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Bus>> open(const std::map<std::string, std::string>& extra = {}) {
    KafkaBusOptions options;
    options.librdkafka = fastOptions(cluster_->bootstrapServers());
    for (const auto& [k, v] : extra) options.librdkafka[k] = v;
    return KafkaBus::open(options, cluster_->topicCreator());
  }

  std::vector<Record> drain(Consumer& c, size_t want) {
    std::vector<Record> got;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
      auto batch = c.poll(want - got.size(), milliseconds(200));
      EXPECT_TRUE(batch.has_value()) << batch.error().toString();
      if (!batch) break;
      for (auto& r : *batch) got.push_back(std::move(r));
    }
    return got;
  }

  void allBrokers(bool up) {
    for (int id = 1; id <= cluster_->brokerCount(); ++id)
      ASSERT_TRUE(up ? cluster_->setBrokerUp(id) : cluster_->setBrokerDown(id));
  }

  std::unique_ptr<KafkaMockCluster> cluster_ = startCluster();
};

TEST_F(KafkaBusTest, UnknownOptionIsRefusedNamingTheKey) {
  auto bus = open({{"no.such.property", "1"}});
  ASSERT_FALSE(bus.has_value());
  EXPECT_EQ(bus.error().code, ErrorCode::kConfig);
  EXPECT_NE(bus.error().message.find("no.such.property"), std::string::npos) << bus.error().message;
}

TEST_F(KafkaBusTest, BadOptionValueIsRefusedNamingTheKeyAsWritten) {
  // librdkafka's own message names the canonical property (queue.buffering.max.ms).
  auto bus = open({{"linger.ms", "soon"}});
  ASSERT_FALSE(bus.has_value());
  EXPECT_EQ(bus.error().code, ErrorCode::kConfig);
  EXPECT_NE(bus.error().message.find("linger.ms"), std::string::npos) << bus.error().message;
}

TEST_F(KafkaBusTest, OptionsThatWeakenDeliveryAreRefused) {
  for (auto [key, value, named] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"enable.idempotence", "false", "enable.idempotence"},
           {"acks", "1", "acks"},
           {"request.required.acks", "0", "acks"},
           {"partitioner", "consistent_random", "partitioner"}}) {
    auto bus = open({{key, value}});
    ASSERT_FALSE(bus.has_value()) << key;
    EXPECT_EQ(bus.error().code, ErrorCode::kConfig);
    EXPECT_NE(bus.error().message.find(named), std::string::npos) << bus.error().message;
  }
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"enable.auto.commit", "true"}, {"enable.auto.offset.store", "true"}}) {
    auto bus = open({{key, value}});
    ASSERT_TRUE(bus.has_value()) << bus.error().toString();
    auto consumer = (*bus)->subscribe("t.any", "g");
    ASSERT_FALSE(consumer.has_value()) << key;
    EXPECT_EQ(consumer.error().code, ErrorCode::kConfig);
    EXPECT_NE(consumer.error().message.find(key), std::string::npos) << consumer.error().message;
  }
}

TEST_F(KafkaBusTest, CooperativeStickyIsRefusedWhereLibrdkafkaCanAbortWithIt) {
  if (rd_kafka_version() >= 0x02030000) GTEST_SKIP() << "librdkafka " << rd_kafka_version_str();
  auto bus = open({{"partition.assignment.strategy", "cooperative-sticky"}});
  ASSERT_TRUE(bus.has_value()) << bus.error().toString();
  auto consumer = (*bus)->subscribe("t.any", "g");
  ASSERT_FALSE(consumer.has_value());
  EXPECT_NE(consumer.error().message.find("partition.assignment.strategy"), std::string::npos);
}

TEST_F(KafkaBusTest, ProducerIsIdempotentWithAcksAllAndTakesUserOptions) {
  auto bus = open({{"linger.ms", "7"}, {"compression.codec", "lz4"}});
  ASSERT_TRUE(bus.has_value()) << bus.error().toString();
  auto& kafka = dynamic_cast<KafkaBus&>(**bus);
  EXPECT_EQ(kafka.producerSetting("enable.idempotence"), "true");
  EXPECT_EQ(kafka.producerSetting("acks"), "-1");
  EXPECT_EQ(kafka.producerSetting("partitioner"), "murmur2_random");
  EXPECT_EQ(kafka.producerSetting("linger.ms"), "7");
  EXPECT_EQ(kafka.producerSetting("compression.codec"), "lz4");
}

TEST_F(KafkaBusTest, EnsureTopicCreatesAndNeverShrinksOrSilentlyGrows) {
  auto bus = open();
  ASSERT_TRUE(bus.has_value());
  auto missing = (*bus)->partitionCount("t.new");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE((*bus)->ensureTopic("t.new", 3).has_value());
  EXPECT_EQ((*bus)->partitionCount("t.new").value_or(-1), 3);
  EXPECT_TRUE((*bus)->ensureTopic("t.new", 2).has_value());
  auto more = (*bus)->ensureTopic("t.new", 6);
  ASSERT_FALSE(more.has_value());
  EXPECT_EQ(more.error().code, ErrorCode::kConfig);
  EXPECT_EQ((*bus)->partitionCount("t.new").value_or(-1), 3);
}

TEST_F(KafkaBusTest, EmptyKeyLandsWherePartitionForPutsIt) {
  auto bus = open();
  ASSERT_TRUE(bus.has_value());
  ASSERT_TRUE((*bus)->ensureTopic("t.empty", 5).has_value());
  Outcomes outcomes;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*bus)->publish("t.empty", "", "v", outcomes.track()));
  ASSERT_TRUE((*bus)->flush(milliseconds(30000)).has_value());
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(outcomes.at(i).outcome, DeliveryOutcome::kDelivered);
    EXPECT_EQ(outcomes.at(i).partition, partitionFor("", 5));
  }
}

TEST_F(KafkaBusTest, RecordIsRetryNotLostWhileAllBrokersAreDown) {
  auto bus = open({{"message.timeout.ms", "1500"}});
  ASSERT_TRUE(bus.has_value());
  ASSERT_TRUE((*bus)->ensureTopic("t.down", 2).has_value());
  auto& metrics = BusMetrics::forTopic("kafka", "t.down");
  double retries_before = metrics.retry->Value();
  allBrokers(false);
  Outcomes outcomes;
  ASSERT_TRUE((*bus)->publish("t.down", "host-1", "first try", outcomes.track()));
  ASSERT_TRUE((*bus)->flush(milliseconds(30000)).has_value());
  EXPECT_EQ(outcomes.callsAt(0), 1);
  EXPECT_EQ(outcomes.at(0).outcome, DeliveryOutcome::kRetry);
  EXPECT_FALSE(outcomes.at(0).error.empty());
  EXPECT_EQ(metrics.retry->Value(), retries_before + 1);

  // The sender re-sends what came back kRetry; once the brokers return it is delivered once.
  allBrokers(true);
  ASSERT_TRUE((*bus)->publish("t.down", "host-1", "first try", outcomes.track()));
  ASSERT_TRUE((*bus)->flush(milliseconds(30000)).has_value());
  ASSERT_EQ(outcomes.at(1).outcome, DeliveryOutcome::kDelivered) << outcomes.at(1).error;
  EXPECT_EQ(outcomes.callsAt(0), 1);
  auto consumer = (*bus)->subscribe("t.down", "g");
  ASSERT_TRUE(consumer.has_value());
  auto got = drain(**consumer, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, "first try");
  auto more = (*consumer)->poll(10, milliseconds(300));
  ASSERT_TRUE(more.has_value());
  EXPECT_TRUE(more->empty());
}

TEST_F(KafkaBusTest, FullQueueRefusesThePublishAndRunsNoCallbackForIt) {
  auto bus = open({{"message.timeout.ms", "1500"}, {"queue.buffering.max.messages", "1"}});
  ASSERT_TRUE(bus.has_value());
  ASSERT_TRUE((*bus)->ensureTopic("t.full", 1).has_value());
  allBrokers(false);
  Outcomes outcomes;
  ASSERT_TRUE((*bus)->publish("t.full", "k", "queued", outcomes.track()));
  bool second_called = false;
  auto refused = (*bus)->publish("t.full", "k", "refused",
                                 [&second_called](const Delivery&) { second_called = true; });
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  ASSERT_TRUE((*bus)->flush(milliseconds(30000)).has_value());
  EXPECT_EQ(outcomes.callsAt(0), 1);
  EXPECT_EQ(outcomes.at(0).outcome, DeliveryOutcome::kRetry);
  EXPECT_FALSE(second_called);
}

TEST_F(KafkaBusTest, RecordTheBrokerRefusesIsRejected) {
  auto bus = open();
  ASSERT_TRUE(bus.has_value());
  ASSERT_TRUE((*bus)->ensureTopic("t.big", 1).has_value());
  auto& metrics = BusMetrics::forTopic("kafka", "t.big");
  double rejected_before = metrics.rejected->Value();
  // Produce (API key 0) answered with MESSAGE_TOO_LARGE: resending cannot help.
  cluster_->failRequests(0, {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE});
  Outcomes outcomes;
  ASSERT_TRUE((*bus)->publish("t.big", "k", "too big, says the broker", outcomes.track()));
  ASSERT_TRUE((*bus)->flush(milliseconds(30000)).has_value());
  EXPECT_EQ(outcomes.callsAt(0), 1);
  EXPECT_EQ(outcomes.at(0).outcome, DeliveryOutcome::kRejected);
  EXPECT_EQ(metrics.rejected->Value(), rejected_before + 1);
}

TEST_F(KafkaBusTest, LeaderMoveLosesNothing) {
  auto bus = open();
  ASSERT_TRUE(bus.has_value());
  ASSERT_TRUE((*bus)->ensureTopic("t.move", 2).has_value());
  Outcomes outcomes;
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE((*bus)->publish("t.move", "k" + std::to_string(i), std::to_string(i),
                                outcomes.track()));
  ASSERT_TRUE((*bus)->flush(milliseconds(30000)).has_value());
  ASSERT_TRUE(cluster_->setPartitionLeader("t.move", 0, 3));
  ASSERT_TRUE(cluster_->setPartitionLeader("t.move", 1, 2));
  for (int i = 50; i < 100; ++i)
    ASSERT_TRUE((*bus)->publish("t.move", "k" + std::to_string(i), std::to_string(i),
                                outcomes.track()));
  ASSERT_TRUE((*bus)->flush(milliseconds(30000)).has_value());
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(outcomes.at(i).outcome, DeliveryOutcome::kDelivered) << i << outcomes.at(i).error;
  auto consumer = (*bus)->subscribe("t.move", "g");
  ASSERT_TRUE(consumer.has_value());
  std::set<std::string> values;
  for (auto& r : drain(**consumer, 100)) values.insert(r.value);
  EXPECT_EQ(values.size(), 100u);
}

TEST_F(KafkaBusTest, MetricsCountPublishedDeliveredConsumedAndCommitted) {
  auto bus = open();
  ASSERT_TRUE(bus.has_value());
  ASSERT_TRUE((*bus)->ensureTopic("t.metrics", 2).has_value());
  auto& m = BusMetrics::forTopic("kafka", "t.metrics");
  double published = m.published->Value(), delivered = m.delivered->Value(),
         consumed = m.consumed->Value(), committed = m.committed->Value();
  Outcomes outcomes;
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE((*bus)->publish("t.metrics", "k" + std::to_string(i), "v", outcomes.track()));
  ASSERT_TRUE((*bus)->flush(milliseconds(30000)).has_value());
  EXPECT_EQ(m.published->Value(), published + 20);
  EXPECT_EQ(m.delivered->Value(), delivered + 20);
  EXPECT_EQ(m.queued->Value(), 0);
  auto consumer = (*bus)->subscribe("t.metrics", "g");
  ASSERT_TRUE(consumer.has_value());
  auto got = drain(**consumer, 20);
  ASSERT_EQ(got.size(), 20u);
  EXPECT_EQ(m.consumed->Value(), consumed + 20);
  ASSERT_TRUE((*consumer)->commit({{got[0].partition, got[0].offset + 1}}));
  EXPECT_EQ(m.committed->Value(), committed + 1);
}

TEST_F(KafkaBusTest, SeekOutsideTheAssignmentIsRefused) {
  auto bus = open();
  ASSERT_TRUE(bus.has_value());
  ASSERT_TRUE((*bus)->ensureTopic("t.seek2", 1).has_value());
  auto consumer = (*bus)->subscribe("t.seek2", "g");
  ASSERT_TRUE(consumer.has_value());
  auto st = (*consumer)->seek(7, 0);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(KafkaBusTest, ClosedConsumerRefusesCalls) {
  auto bus = open();
  ASSERT_TRUE(bus.has_value());
  ASSERT_TRUE((*bus)->ensureTopic("t.closed", 1).has_value());
  auto consumer = (*bus)->subscribe("t.closed", "g");
  ASSERT_TRUE(consumer.has_value());
  (*consumer)->close();
  EXPECT_FALSE((*consumer)->poll(1, milliseconds(0)).has_value());
  EXPECT_FALSE((*consumer)->commit({{0, 1}}).has_value());
  EXPECT_TRUE((*consumer)->assignment().empty());
}

}  // namespace
}  // namespace hinomi::bus::testing
