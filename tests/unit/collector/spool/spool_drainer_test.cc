// SpoolDrainer: round trip into the embedded bus, retries and rewinds, dead letters, and a Kafka
// outage on librdkafka's mock cluster.
#include "collector/spool/spool_drainer.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <map>
#include <set>

#include "collector/spool/spool_metrics.h"
#include "common/bus/embedded_bus.h"
#include "common/bus/kafka_bus.h"
#include "common/bus/kafka_mock_cluster.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/collector/spool/fake_bus.h"

namespace hinomi::collector {
namespace {

using std::chrono::milliseconds;
using testing::FakeAnswer;
using testing::FakeBus;

SpoolOptions options(const std::string& path, const std::string& name) {
  SpoolOptions o;
  o.name = name;
  o.path = path;
  o.fsync = bus::FsyncPolicy::kNever;
  return o;
}

DrainerOptions fastDrainer() {
  DrainerOptions o;
  o.min_backoff = milliseconds(10);
  o.max_backoff = milliseconds(200);
  return o;
}

// Polls `done` until it holds or `limit` passes.
template <typename F>
bool eventually(F done, milliseconds limit = milliseconds(15000)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return done();
}

std::string keyOf(int i) { return "host-" + std::to_string(i % 7); }
std::string valueOf(int i) { return keyOf(i) + "#" + std::to_string(i); }
int indexOf(const std::string& value) { return std::stoi(value.substr(value.find('#') + 1)); }

// The drainer's ordering guarantee (spool_drainer.h): every value of 0..n-1 is there, and per
// key the last copies are in append order.
void expectAllInOrderPerKey(const std::vector<std::pair<std::string, std::string>>& log, int n) {
  std::map<std::string, int> last_index;  // value -> position of its last copy
  for (size_t pos = 0; pos < log.size(); ++pos) last_index[log[pos].second] = int(pos);
  ASSERT_EQ(int(last_index.size()), n) << "distinct values on the bus";
  std::map<std::string, std::vector<std::pair<int, int>>> by_key;  // key -> (position, index)
  for (auto& [value, pos] : last_index) by_key[log[size_t(pos)].first].emplace_back(pos, indexOf(value));
  for (auto& [key, list] : by_key) {
    std::sort(list.begin(), list.end());
    for (size_t i = 1; i < list.size(); ++i)
      ASSERT_LT(list[i - 1].second, list[i].second) << "key " << key << " out of order";
  }
}

TEST(SpoolDrainerTest, RoundTripIntoEmbeddedBusDeliversEachOnceInOrderPerKey) {
  hinomi::testing::TempDir dir;
  auto spool = DiskSpool::open(options(dir.file("spool"), "t_roundtrip"));
  ASSERT_TRUE(spool.has_value()) << spool.error().toString();
  bus::EmbeddedBusOptions bo;
  bo.path = dir.file("bus");
  bo.fsync = bus::FsyncPolicy::kNever;
  auto bus = bus::EmbeddedBus::open(bo);
  ASSERT_TRUE(bus.has_value()) << bus.error().toString();
  ASSERT_TRUE((*bus)->ensureTopic("t.rt", 4).has_value());
  auto& m = SpoolMetrics::forSpool("t_roundtrip");
  const double appended = m.appended->Value(), delivered = m.delivered->Value();

  constexpr int kN = 3000;
  SpoolDrainer drainer(**spool, **bus, fastDrainer());
  // Half appended before the drainer starts, half while it runs.
  for (int i = 0; i < kN / 2; ++i)
    ASSERT_TRUE((*spool)->append("t.rt", keyOf(i), valueOf(i)).has_value());
  drainer.start();
  for (int i = kN / 2; i < kN; ++i)
    ASSERT_TRUE((*spool)->append("t.rt", keyOf(i), valueOf(i)).has_value());
  ASSERT_TRUE(eventually([&] { return (*spool)->count() == 0; })) << (*spool)->count();
  EXPECT_EQ((*spool)->bytes(), 0);
  EXPECT_EQ(m.appended->Value(), appended + kN);
  EXPECT_EQ(m.delivered->Value(), delivered + kN);
  EXPECT_EQ(m.entries->Value(), 0);
  EXPECT_EQ(drainer.rewinds(), 0);

  auto consumer = (*bus)->subscribe("t.rt", "verify");
  ASSERT_TRUE(consumer.has_value());
  std::map<int32_t, std::vector<std::pair<std::string, std::string>>> by_partition;
  size_t total = 0;
  for (;;) {
    auto batch = (*consumer)->poll(10000, milliseconds(200));
    ASSERT_TRUE(batch.has_value());
    if (batch->empty()) break;
    for (auto& r : *batch) by_partition[r.partition].emplace_back(r.key, r.value);
    total += batch->size();
  }
  EXPECT_EQ(total, size_t(kN)) << "each record exactly once";
  std::set<std::string> values;
  std::map<std::string, int> last;  // key -> last index seen
  for (auto& [p, list] : by_partition)
    for (auto& [key, value] : list) {
      values.insert(value);
      auto [it, inserted] = last.emplace(key, indexOf(value));
      if (!inserted) {
        EXPECT_LT(it->second, indexOf(value)) << "key " << key;
        it->second = indexOf(value);
      }
    }
  EXPECT_EQ(values.size(), size_t(kN));
}

TEST(SpoolDrainerTest, RetriesAndQueueFullResendFromTheOldestAndLoseNothing) {
  hinomi::testing::TempDir dir;
  auto spool = DiskSpool::open(options(dir.file("spool"), "t_retry"));
  ASSERT_TRUE(spool.has_value());
  auto& m = SpoolMetrics::forSpool("t_retry");
  const double retries = m.retries->Value();
  // Every 37th send comes back kRetry, every 53rd publish() finds the queue full.
  FakeBus bus([](const std::string&, std::string_view, std::string_view, int64_t call) {
    FakeAnswer a;
    if (call % 53 == 52)
      a.publish_error = Error{ErrorCode::kUnavailable, "queue full", {}};
    else if (call % 37 == 36) {
      a.outcome = bus::DeliveryOutcome::kRetry;
      a.error = "broker down";
    }
    return a;
  });
  DrainerOptions o = fastDrainer();
  o.max_in_flight = 64;
  o.min_backoff = milliseconds(1);
  o.max_backoff = milliseconds(4);
  SpoolDrainer drainer(**spool, bus, o);
  drainer.start();
  constexpr int kN = 2000;
  for (int i = 0; i < kN; ++i)
    ASSERT_TRUE((*spool)->append("t.retry", keyOf(i), valueOf(i)).has_value());
  ASSERT_TRUE(eventually([&] { return (*spool)->count() == 0; })) << (*spool)->count();
  drainer.stop();
  EXPECT_GT(drainer.rewinds(), 0);
  EXPECT_GT(m.retries->Value(), retries);
  EXPECT_EQ((*spool)->deadLetterCount(), 0);
  expectAllInOrderPerKey(bus.log("t.retry"), kN);
}

TEST(SpoolDrainerTest, RejectedEntriesGoToDeadLettersWithTheError) {
  hinomi::testing::TempDir dir;
  auto spool = DiskSpool::open(options(dir.file("spool"), "t_dead"));
  ASSERT_TRUE(spool.has_value());
  auto& m = SpoolMetrics::forSpool("t_dead");
  const double dead = m.dead_letters->Value();
  FakeBus bus([](const std::string&, std::string_view, std::string_view value, int64_t) {
    FakeAnswer a;
    if (value.rfind("bad", 0) == 0) {
      a.outcome = bus::DeliveryOutcome::kRejected;
      a.error = "MSG_SIZE_TOO_LARGE";
    } else if (value.rfind("invalid", 0) == 0) {
      a.publish_error = Error{ErrorCode::kInvalidArgument, "message too large", {}};
    }
    return a;
  });
  SpoolDrainer drainer(**spool, bus, fastDrainer());
  drainer.start();
  for (std::string v : {"good-1", "bad-2", "good-3", "invalid-4", "good-5"})
    ASSERT_TRUE((*spool)->append("t.dead", "k", v).has_value());
  ASSERT_TRUE(eventually([&] { return (*spool)->count() == 0; }));
  drainer.stop();
  EXPECT_EQ((*spool)->deadLetterCount(), 2);
  EXPECT_EQ(m.dead_letters->Value(), dead + 2);
  auto letters = (*spool)->deadLetters(10);
  ASSERT_TRUE(letters.has_value());
  ASSERT_EQ(letters->size(), 2u);
  EXPECT_EQ((*letters)[0].entry.value, "bad-2");
  EXPECT_EQ((*letters)[0].entry.topic, "t.dead");
  EXPECT_EQ((*letters)[0].error, "MSG_SIZE_TOO_LARGE");
  EXPECT_EQ((*letters)[1].entry.value, "invalid-4");
  EXPECT_EQ((*letters)[1].error, "message too large");
  auto log = bus.log("t.dead");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].second, "good-1");
  EXPECT_EQ(log[1].second, "good-3");
  EXPECT_EQ(log[2].second, "good-5");

  // Dead letters survive a restart and still count.
  const std::string path = dir.file("spool");
  spool->reset();
  auto reopened = DiskSpool::open(options(path, "t_dead"));
  ASSERT_TRUE(reopened.has_value());
  EXPECT_EQ((*reopened)->deadLetterCount(), 2);
  EXPECT_EQ((*reopened)->count(), 0);
}

// --- Kafka outage --------------------------------------------------------------------------

std::map<std::string, std::string> kafkaOptions(const std::string& bootstrap) {
  return {{"bootstrap.servers", bootstrap},
          {"session.timeout.ms", "6000"},
          {"heartbeat.interval.ms", "500"},
          {"topic.metadata.refresh.interval.ms", "1000"},
          {"reconnect.backoff.max.ms", "500"},
          {"linger.ms", "1"},
          // While the brokers are down librdkafka reports nothing until it times a record out:
          // short, so the test sees the kRetry and the re-send.
          {"message.timeout.ms", "2000"}};
}

TEST(SpoolDrainerKafkaTest, OutageKeepsEverythingSpooledAndDrainsInOrderAfter) {
  auto cluster = bus::KafkaMockCluster::start(3);
  ASSERT_TRUE(cluster.has_value()) << cluster.error().toString();
  for (int id = 1; id <= (*cluster)->brokerCount(); ++id)
    ASSERT_TRUE((*cluster)->setBrokerRtt(id, 20).has_value());
  bus::KafkaBusOptions ko;
  ko.librdkafka = kafkaOptions((*cluster)->bootstrapServers());
  auto bus = bus::KafkaBus::open(ko, (*cluster)->topicCreator());
  ASSERT_TRUE(bus.has_value()) << bus.error().toString();
  ASSERT_TRUE((*bus)->ensureTopic("t.outage", 3).has_value());

  hinomi::testing::TempDir dir;
  auto spool = DiskSpool::open(options(dir.file("spool"), "t_outage"));
  ASSERT_TRUE(spool.has_value());
  DrainerOptions o;
  o.min_backoff = milliseconds(100);
  o.max_backoff = milliseconds(500);
  SpoolDrainer drainer(**spool, **bus, o);
  drainer.start();

  for (int id = 1; id <= (*cluster)->brokerCount(); ++id)
    ASSERT_TRUE((*cluster)->setBrokerDown(id).has_value());
  constexpr int kN = 300;
  for (int i = 0; i < kN; ++i)
    ASSERT_TRUE((*spool)->append("t.outage", keyOf(i), valueOf(i)).has_value());
  // librdkafka times the records out (kRetry); the drainer rewinds and keeps them all.
  ASSERT_TRUE(eventually([&] { return drainer.rewinds() >= 1; })) << "no kRetry seen";
  EXPECT_EQ((*spool)->count(), kN);

  for (int id = 1; id <= (*cluster)->brokerCount(); ++id)
    ASSERT_TRUE((*cluster)->setBrokerUp(id).has_value());
  ASSERT_TRUE(eventually([&] { return (*spool)->count() == 0; }, milliseconds(20000)))
      << (*spool)->count() << " entries still spooled";
  drainer.stop();

  auto consumer = (*bus)->subscribe("t.outage", "verify");
  ASSERT_TRUE(consumer.has_value()) << consumer.error().toString();
  std::map<int32_t, std::vector<std::pair<std::string, std::string>>> by_partition;
  std::set<std::string> distinct;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (int(distinct.size()) < kN && std::chrono::steady_clock::now() < deadline) {
    auto batch = (*consumer)->poll(1000, milliseconds(200));
    ASSERT_TRUE(batch.has_value()) << batch.error().toString();
    for (auto& r : *batch) {
      by_partition[r.partition].emplace_back(r.key, r.value);
      distinct.insert(r.value);
    }
  }
  // Duplicates may follow the last distinct value; read what is left quickly.
  for (;;) {
    auto batch = (*consumer)->poll(1000, milliseconds(500));
    ASSERT_TRUE(batch.has_value());
    if (batch->empty()) break;
    for (auto& r : *batch) by_partition[r.partition].emplace_back(r.key, r.value);
  }
  EXPECT_EQ(int(distinct.size()), kN);
  // Per partition (so per key): every value there, last copies in append order.
  std::map<std::string, int32_t> partition_of_key;
  for (auto& [p, log] : by_partition) {
    std::set<std::string> values;
    for (auto& [k, v] : log) {
      values.insert(v);
      auto [it, inserted] = partition_of_key.emplace(k, p);
      EXPECT_EQ(it->second, p) << "key " << k << " in two partitions";
    }
    int in_partition = 0;
    for (int i = 0; i < kN; ++i)
      if (partition_of_key.count(keyOf(i)) && partition_of_key[keyOf(i)] == p) ++in_partition;
    SCOPED_TRACE("partition " + std::to_string(p));
    expectAllInOrderPerKey(log, in_partition);
  }
}

}  // namespace
}  // namespace hinomi::collector
