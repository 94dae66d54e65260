#include "tests/unit/common/bus/bus_contract.h"

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/bus/partitioner.h"

namespace hinomi::bus::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Publishes and waits for every outcome; returns the deliveries in publish order.
std::vector<Delivery> publishAll(Bus& bus, const std::string& topic,
                                 const std::vector<std::pair<std::string, std::string>>& kvs) {
  std::vector<Delivery> out(kvs.size());
  std::atomic<size_t> done{0};
  for (size_t i = 0; i < kvs.size(); ++i) {
    auto st = bus.publish(topic, kvs[i].first, kvs[i].second, [&out, &done, i](const Delivery& d) {
      out[i] = d;
      done.fetch_add(1);
    });
    EXPECT_TRUE(st.has_value()) << st.error().toString();
  }
  auto fl = bus.flush(milliseconds(30000));
  EXPECT_TRUE(fl.has_value()) << fl.error().toString();
  EXPECT_EQ(done.load(), kvs.size());
  return out;
}

// Polls until `want` records arrived or 30 s passed (Kafka's first group join takes seconds).
std::vector<Record> drain(Consumer& c, size_t want) {
  std::vector<Record> got;
  auto deadline = steady_clock::now() + std::chrono::seconds(30);
  while (got.size() < want && steady_clock::now() < deadline) {
    auto batch = c.poll(want - got.size(), milliseconds(200));
    EXPECT_TRUE(batch.has_value()) << batch.error().toString();
    if (!batch) break;
    for (auto& r : *batch) got.push_back(std::move(r));
  }
  return got;
}

std::vector<std::pair<std::string, std::string>> sample(int n, int keys, const std::string& tag) {
  std::vector<std::pair<std::string, std::string>> kvs;
  for (int i = 0; i < n; ++i)
    kvs.emplace_back("key-" + std::to_string(i % keys), tag + "-" + std::to_string(i));
  return kvs;
}

std::vector<PartitionOffset> nextOffsets(const std::vector<Record>& recs) {
  std::map<int32_t, int64_t> next;
  for (const auto& r : recs) next[r.partition] = std::max(next[r.partition], r.offset + 1);
  std::vector<PartitionOffset> out;
  for (auto [p, o] : next) out.push_back({p, o});
  return out;
}

TEST_P(BusContractTest, EveryPublishedRecordIsDeliveredAndConsumedOnce) {
  auto bus = harness_->open();
  ASSERT_TRUE(bus->ensureTopic("t.basic", 4).has_value());
  auto kvs = sample(500, 37, "v");
  auto deliveries = publishAll(*bus, "t.basic", kvs);
  std::set<std::pair<int32_t, int64_t>> positions;
  for (size_t i = 0; i < deliveries.size(); ++i) {
    ASSERT_EQ(deliveries[i].outcome, DeliveryOutcome::kDelivered) << deliveries[i].error;
    EXPECT_EQ(deliveries[i].partition, partitionFor(kvs[i].first, 4));
    EXPECT_GE(deliveries[i].offset, 0);
    positions.insert({deliveries[i].partition, deliveries[i].offset});
  }
  EXPECT_EQ(positions.size(), kvs.size()) << "two records reported at the same position";

  auto consumer = bus->subscribe("t.basic", "g1");
  ASSERT_TRUE(consumer.has_value()) << consumer.error().toString();
  auto got = drain(**consumer, kvs.size());
  ASSERT_EQ(got.size(), kvs.size());
  std::multiset<std::string> want_values, got_values;
  for (auto& kv : kvs) want_values.insert(kv.second);
  for (auto& r : got) {
    got_values.insert(r.value);
    EXPECT_EQ(r.topic, "t.basic");
    EXPECT_EQ(r.partition, partitionFor(r.key, 4));
  }
  EXPECT_EQ(got_values, want_values);
  auto more = (*consumer)->poll(10, milliseconds(300));
  ASSERT_TRUE(more.has_value());
  EXPECT_TRUE(more->empty()) << "a record was consumed twice";
}

TEST_P(BusContractTest, RecordsOfOneKeyKeepPublishOrder) {
  auto bus = harness_->open();
  ASSERT_TRUE(bus->ensureTopic("t.order", 3).has_value());
  auto kvs = sample(300, 3, "n");
  publishAll(*bus, "t.order", kvs);
  auto consumer = bus->subscribe("t.order", "g");
  ASSERT_TRUE(consumer.has_value());
  auto got = drain(**consumer, kvs.size());
  ASSERT_EQ(got.size(), kvs.size());
  std::map<std::string, std::vector<std::string>> per_key_want, per_key_got;
  for (auto& kv : kvs) per_key_want[kv.first].push_back(kv.second);
  std::map<int32_t, int64_t> last_offset;
  for (auto& r : got) {
    per_key_got[r.key].push_back(r.value);
    auto it = last_offset.find(r.partition);
    if (it != last_offset.end()) {
      EXPECT_GT(r.offset, it->second);
    }
    last_offset[r.partition] = r.offset;
  }
  EXPECT_EQ(per_key_got, per_key_want);
}

TEST_P(BusContractTest, CommittedOffsetsSurviveANewClient) {
  auto kvs = sample(200, 11, "c");
  {
    auto bus = harness_->open();
    ASSERT_TRUE(bus->ensureTopic("t.commit", 2).has_value());
    publishAll(*bus, "t.commit", kvs);
    auto consumer = bus->subscribe("t.commit", "workers");
    ASSERT_TRUE(consumer.has_value());
    auto first = drain(**consumer, 120);
    ASSERT_EQ(first.size(), 120u);
    auto offs = nextOffsets(first);
    ASSERT_TRUE((*consumer)->commit(offs).has_value());
    for (auto& po : offs) {
      auto c = (*consumer)->committed(po.partition);
      ASSERT_TRUE(c.has_value());
      ASSERT_TRUE(c->has_value());
      EXPECT_EQ(**c, po.offset);
    }
    (*consumer)->close();
  }
  auto bus = harness_->open();
  auto consumer = bus->subscribe("t.commit", "workers");
  ASSERT_TRUE(consumer.has_value());
  auto rest = drain(**consumer, 80);
  EXPECT_EQ(rest.size(), 80u);
  auto extra = (*consumer)->poll(10, milliseconds(300));
  ASSERT_TRUE(extra.has_value());
  EXPECT_TRUE(extra->empty());
  // Together the two sessions saw each record exactly once.
  std::set<std::string> seen;
  for (auto& r : rest) seen.insert(r.value);
  EXPECT_EQ(seen.size(), 80u);

  // Another group starts from the beginning.
  auto other = bus->subscribe("t.commit", "auditors");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(drain(**other, kvs.size()).size(), kvs.size());
}

TEST_P(BusContractTest, SeekRewindsAPartition) {
  auto bus = harness_->open();
  ASSERT_TRUE(bus->ensureTopic("t.seek", 1).has_value());
  publishAll(*bus, "t.seek", sample(50, 5, "s"));
  auto consumer = bus->subscribe("t.seek", "g");
  ASSERT_TRUE(consumer.has_value());
  auto all = drain(**consumer, 50);
  ASSERT_EQ(all.size(), 50u);
  ASSERT_TRUE((*consumer)->seek(0, all[40].offset).has_value());
  auto again = drain(**consumer, 10);
  ASSERT_EQ(again.size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(again[i].offset, all[40 + i].offset);
    EXPECT_EQ(again[i].value, all[40 + i].value);
  }
}

TEST_P(BusContractTest, UncommittedGroupHasNoOffset) {
  auto bus = harness_->open();
  ASSERT_TRUE(bus->ensureTopic("t.none", 1).has_value());
  auto consumer = bus->subscribe("t.none", "fresh");
  ASSERT_TRUE(consumer.has_value());
  auto c = (*consumer)->committed(0);
  ASSERT_TRUE(c.has_value()) << c.error().toString();
  EXPECT_FALSE(c->has_value());
}

TEST_P(BusContractTest, PublishFromManyThreadsLosesNothing) {
  auto bus = harness_->open();
  ASSERT_TRUE(bus->ensureTopic("t.mt", 4).has_value());
  std::atomic<int> delivered{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        auto st = bus->publish("t.mt", "k" + std::to_string(t), std::to_string(t * 1000 + i),
                               [&](const Delivery& d) {
                                 (d.outcome == DeliveryOutcome::kDelivered ? delivered : failed)++;
                               });
        if (!st) failed++;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(bus->flush(milliseconds(30000)).has_value());
  EXPECT_EQ(delivered.load(), 1000);
  EXPECT_EQ(failed.load(), 0);
  auto consumer = bus->subscribe("t.mt", "g");
  ASSERT_TRUE(consumer.has_value());
  auto got = drain(**consumer, 1000);
  std::set<std::string> uniq;
  for (auto& r : got) uniq.insert(r.value);
  EXPECT_EQ(uniq.size(), 1000u);
}

TEST_P(BusContractTest, TwoMembersOfAGroupSplitThePartitions) {
  auto bus = harness_->open();
  ASSERT_TRUE(bus->ensureTopic("t.group", 4).has_value());
  auto kvs = sample(400, 40, "m");
  publishAll(*bus, "t.group", kvs);
  auto a = bus->subscribe("t.group", "pair");
  auto b = bus->subscribe("t.group", "pair");
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  std::vector<Record> got_a, got_b;
  auto deadline = steady_clock::now() + std::chrono::seconds(40);
  while (got_a.size() + got_b.size() < kvs.size() && steady_clock::now() < deadline) {
    auto ba = (*a)->poll(100, milliseconds(100));
    auto bb = (*b)->poll(100, milliseconds(100));
    ASSERT_TRUE(ba.has_value());
    ASSERT_TRUE(bb.has_value());
    // Members commit what they processed, so a rebalance hands over without re-reading.
    if (!ba->empty()) {
      ASSERT_TRUE((*a)->commit(nextOffsets(*ba)).has_value());
    }
    if (!bb->empty()) {
      ASSERT_TRUE((*b)->commit(nextOffsets(*bb)).has_value());
    }
    for (auto& r : *ba) got_a.push_back(r);
    for (auto& r : *bb) got_b.push_back(r);
  }
  // A rebalance may still be settling: keep both members polling until each owns partitions.
  auto settle = steady_clock::now() + std::chrono::seconds(20);
  while (((*a)->assignment().empty() || (*b)->assignment().empty()) && steady_clock::now() < settle) {
    auto ba = (*a)->poll(10, milliseconds(100));
    auto bb = (*b)->poll(10, milliseconds(100));
    ASSERT_TRUE(ba.has_value() && bb.has_value());
    EXPECT_TRUE(ba->empty() && bb->empty()) << "a record came back after it was committed";
  }
  auto asg_a = (*a)->assignment(), asg_b = (*b)->assignment();
  EXPECT_FALSE(asg_a.empty());
  EXPECT_FALSE(asg_b.empty());
  EXPECT_EQ(asg_a.size() + asg_b.size(), 4u);
  std::set<std::string> uniq;
  for (auto& r : got_a) uniq.insert(r.value);
  for (auto& r : got_b) uniq.insert(r.value);
  EXPECT_EQ(uniq.size(), kvs.size());
  EXPECT_EQ(got_a.size() + got_b.size(), kvs.size());
}

}  // namespace
}  // namespace hinomi::bus::testing
