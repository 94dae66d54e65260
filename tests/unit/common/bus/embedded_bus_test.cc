#include "common/bus/embedded_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <set>

#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/common/bus/bus_contract.h"

namespace hinomi::bus {
namespace {

using std::chrono::milliseconds;
using testing::BusContractTest;
using testing::BusHarness;
using testing::BusHarnessFactory;

class EmbeddedHarness final : public BusHarness {
 public:
  std::unique_ptr<Bus> open() override {
    EmbeddedBusOptions o;
    o.path = dir_.file("bus");
    auto bus = EmbeddedBus::open(o);
    EXPECT_TRUE(bus.has_value()) << bus.error().toString();
    return bus ? std::move(*bus) : nullptr;
  }

 private:
  hinomi::testing::TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(Embedded, BusContractTest,
                         ::testing::Values(BusHarnessFactory{
                             "Embedded", [] { return std::make_unique<EmbeddedHarness>(); }}),
                         [](const auto& info) { return info.param.name; });


struct Published {
  int32_t partition = -1;
  int64_t offset = -1;
};

// Publishes `n` records keyed key-<i % keys> with values <tag>-<i>; returns their positions.
std::vector<Published> publishN(Bus& bus, const std::string& topic, int n, const std::string& tag,
                                int keys = 7) {
  std::vector<Published> out(static_cast<size_t>(n));
  std::atomic<int> delivered{0};
  for (int i = 0; i < n; ++i) {
    auto st = bus.publish(topic, "key-" + std::to_string(i % keys), tag + "-" + std::to_string(i),
                          [&out, &delivered, i](const Delivery& d) {
                            EXPECT_EQ(d.outcome, DeliveryOutcome::kDelivered) << d.error;
                            out[size_t(i)] = {d.partition, d.offset};
                            delivered++;
                          });
    EXPECT_TRUE(st.has_value()) << st.error().toString();
  }
  auto fl = bus.flush(milliseconds(30000));
  EXPECT_TRUE(fl.has_value()) << fl.error().toString();
  EXPECT_EQ(delivered.load(), n);
  return out;
}

// Everything a consumer can read now (nothing is being published meanwhile).
std::vector<Record> readAll(Consumer& c) {
  std::vector<Record> got;
  for (;;) {
    auto batch = c.poll(1000, milliseconds(100));
    EXPECT_TRUE(batch.has_value()) << batch.error().toString();
    if (!batch || batch->empty()) return got;
    for (auto& r : *batch) got.push_back(std::move(r));
  }
}

class EmbeddedBusTest : public ::testing::Test {
 protected:
  EmbeddedBusOptions options() const {
    EmbeddedBusOptions o;
    o.path = dir_.file("bus");
    return o;
  }
  std::unique_ptr<EmbeddedBus> open(const EmbeddedBusOptions& o) {
    auto bus = EmbeddedBus::open(o, clock_);
    EXPECT_TRUE(bus.has_value()) << bus.error().toString();
    return bus ? std::move(*bus) : nullptr;
  }
  std::unique_ptr<EmbeddedBus> open() { return open(options()); }

  hinomi::testing::TempDir dir_;
  hinomi::testing::FakeClock clock_;  // retention reads record timestamps
};

TEST_F(EmbeddedBusTest, ReopenKeepsRecordsAndOffsetsAndContinuesNumbering) {
  std::map<int32_t, int64_t> last_offset;
  std::vector<Published> first;
  {
    auto bus = open();
    ASSERT_TRUE(bus);
    ASSERT_TRUE(bus->ensureTopic("t.reopen", 3).has_value());
    first = publishN(*bus, "t.reopen", 90, "a");
    for (auto& p : first) last_offset[p.partition] = std::max(last_offset[p.partition], p.offset);
    auto c = bus->subscribe("t.reopen", "g");
    ASSERT_TRUE(c.has_value());
    auto got = readAll(**c);
    ASSERT_EQ(got.size(), 90u);
    std::vector<PartitionOffset> offs;
    for (auto& [p, o] : last_offset) offs.push_back({p, o + 1});
    ASSERT_TRUE((*c)->commit(offs).has_value());
  }
  auto bus = open();
  ASSERT_TRUE(bus);
  auto count = bus->partitionCount("t.reopen");
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, 3);

  auto c = bus->subscribe("t.reopen", "g");
  ASSERT_TRUE(c.has_value());
  for (auto& [p, o] : last_offset) {
    auto committed = (*c)->committed(p);
    ASSERT_TRUE(committed.has_value() && committed->has_value());
    EXPECT_EQ(**committed, o + 1);
  }
  EXPECT_TRUE(readAll(**c).empty()) << "the committed group re-read old records";

  // New records continue each partition's numbering.
  auto second = publishN(*bus, "t.reopen", 30, "b");
  std::map<int32_t, int64_t> expect_next;
  for (auto& [p, o] : last_offset) expect_next[p] = o + 1;
  for (auto& p : second)
    EXPECT_EQ(p.offset, expect_next[p.partition]++) << "partition " << p.partition;
  EXPECT_EQ(readAll(**c).size(), 30u);

  // Every record is where its delivery report said, with its value.
  auto all = bus->subscribe("t.reopen", "audit");
  ASSERT_TRUE(all.has_value());
  std::map<std::pair<int32_t, int64_t>, std::string> stored;
  for (auto& r : readAll(**all)) stored[{r.partition, r.offset}] = r.value;
  ASSERT_EQ(stored.size(), 120u);
  for (size_t i = 0; i < first.size(); ++i)
    EXPECT_EQ(stored[std::make_pair(first[i].partition, first[i].offset)],
              "a-" + std::to_string(i));
  for (size_t i = 0; i < second.size(); ++i)
    EXPECT_EQ(stored[std::make_pair(second[i].partition, second[i].offset)],
              "b-" + std::to_string(i));
}

TEST_F(EmbeddedBusTest, SecondOpenOfTheSameDirectoryFailsClearly) {
  auto bus = open();
  ASSERT_TRUE(bus);
  auto again = EmbeddedBus::open(options());
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kIo);
  EXPECT_NE(again.error().message.find(options().path), std::string::npos) << again.error().message;
  EXPECT_NE(again.error().message.find("LOCK"), std::string::npos) << again.error().message;
  // The first one is unharmed.
  EXPECT_EQ(publishN(*bus, "t.lock", 3, "x").size(), 3u);
}

TEST_F(EmbeddedBusTest, FullQueueRefusesWithUnavailableAndRunsNoCallback) {
  auto o = options();
  o.max_queued_records = 3;
  auto bus = open(o);
  ASSERT_TRUE(bus);
  ASSERT_TRUE(bus->ensureTopic("t.full", 1).has_value());
  // The first record's callback holds the writer, so nothing leaves the queue meanwhile.
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  std::atomic<int> delivered{0};
  auto count = [&delivered](const Delivery& d) {
    if (d.outcome == DeliveryOutcome::kDelivered) delivered++;
  };
  ASSERT_TRUE(bus->publish("t.full", "k", "first",
                           [&, released](const Delivery& d) {
                             entered.set_value();
                             released.wait();
                             count(d);
                           })
                  .has_value());
  entered.get_future().wait();
  ASSERT_TRUE(bus->publish("t.full", "k", "second", count).has_value());
  ASSERT_TRUE(bus->publish("t.full", "k", "third", count).has_value());
  std::atomic<bool> refused_callback_ran{false};
  auto refused =
      bus->publish("t.full", "k", "fourth", [&](const Delivery&) { refused_callback_ran = true; });
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);

  release.set_value();
  ASSERT_TRUE(bus->flush(milliseconds(30000)).has_value());
  EXPECT_EQ(delivered.load(), 3);
  EXPECT_FALSE(refused_callback_ran.load());
  // Room again once the backlog is written.
  ASSERT_TRUE(bus->publish("t.full", "k", "fifth", count).has_value());
  ASSERT_TRUE(bus->flush(milliseconds(30000)).has_value());
  EXPECT_EQ(delivered.load(), 4);
  auto c = bus->subscribe("t.full", "g");
  ASSERT_TRUE(c.has_value());
  std::vector<std::string> values;
  for (auto& r : readAll(**c)) values.push_back(r.value);
  EXPECT_EQ(values, (std::vector<std::string>{"first", "second", "third", "fifth"}));
}

TEST_F(EmbeddedBusTest, RetentionDeletesOldRecordsAndMovesAStaleConsumerForward) {
  auto o = options();
  o.retention_secs = 3600;  // the periodic check then runs every minute: not during this test
  {
    auto bus = open(o);
    ASSERT_TRUE(bus);
    ASSERT_TRUE(bus->ensureTopic("t.old", 1).has_value());
    publishN(*bus, "t.old", 20, "old");
    auto stale = bus->subscribe("t.old", "stale");
    ASSERT_TRUE(stale.has_value());
    auto some = (*stale)->poll(5, milliseconds(1000));
    ASSERT_TRUE(some.has_value());
    ASSERT_EQ(some->size(), 5u);
    ASSERT_TRUE((*stale)->commit({{0, 5}}).has_value());

    clock_.advanceSeconds(2 * 3600);
    auto fresh = publishN(*bus, "t.old", 10, "new");
    EXPECT_EQ(fresh.front().offset, 20);
    auto deleted = bus->applyRetention();
    ASSERT_TRUE(deleted.has_value()) << deleted.error().toString();
    EXPECT_EQ(*deleted, 20);

    // The stale member skips the deleted records; its committed offset is left alone.
    auto rest = readAll(**stale);
    ASSERT_EQ(rest.size(), 10u);
    EXPECT_EQ(rest.front().offset, 20);
    EXPECT_EQ(rest.front().value, "new-0");
    auto committed = (*stale)->committed(0);
    ASSERT_TRUE(committed.has_value() && committed->has_value());
    EXPECT_EQ(**committed, 5);

    auto newcomer = bus->subscribe("t.old", "newcomer");
    ASSERT_TRUE(newcomer.has_value());
    auto seen = readAll(**newcomer);
    ASSERT_EQ(seen.size(), 10u);
    EXPECT_EQ(seen.front().offset, 20);

    // Nothing is old enough now.
    auto none = bus->applyRetention();
    ASSERT_TRUE(none.has_value());
    EXPECT_EQ(*none, 0);

    // Everything goes once it is all old.
    clock_.advanceSeconds(2 * 3600);
    auto all = bus->applyRetention();
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(*all, 10);
  }
  // Reopening an emptied partition continues its numbering rather than starting again at 0.
  auto bus = open(o);
  ASSERT_TRUE(bus);
  auto after = publishN(*bus, "t.old", 1, "after");
  EXPECT_EQ(after.front().offset, 30);
  auto c = bus->subscribe("t.old", "stale");
  ASSERT_TRUE(c.has_value());
  auto got = readAll(**c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.front().value, "after-0");
}

TEST_F(EmbeddedBusTest, AClosedMembersPartitionsGoToTheRemainingMember) {
  auto bus = open();
  ASSERT_TRUE(bus);
  ASSERT_TRUE(bus->ensureTopic("t.leave", 4).has_value());
  publishN(*bus, "t.leave", 200, "v", 40);
  auto a = bus->subscribe("t.leave", "pair");
  auto b = bus->subscribe("t.leave", "pair");
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ((*a)->assignment(), (std::vector<int32_t>{0, 2}));
  EXPECT_EQ((*b)->assignment(), (std::vector<int32_t>{1, 3}));

  // b processes part of its share, commits it and leaves.
  auto part = (*b)->poll(30, milliseconds(1000));
  ASSERT_TRUE(part.has_value());
  ASSERT_FALSE(part->empty());
  std::map<int32_t, int64_t> next;
  for (auto& r : *part) next[r.partition] = std::max(next[r.partition], r.offset + 1);
  std::vector<PartitionOffset> offs;
  for (auto [p, o] : next) offs.push_back({p, o});
  ASSERT_TRUE((*b)->commit(offs).has_value());
  (*b)->close();
  EXPECT_TRUE((*b)->assignment().empty());
  EXPECT_FALSE((*b)->poll(1, milliseconds(0)).has_value()) << "a closed consumer still polls";

  EXPECT_EQ((*a)->assignment(), (std::vector<int32_t>{0, 1, 2, 3}));
  std::multiset<std::string> values;
  for (auto& r : *part) values.insert(r.value);
  for (auto& r : readAll(**a)) values.insert(r.value);
  EXPECT_EQ(values.size(), 200u);
  EXPECT_EQ(std::set<std::string>(values.begin(), values.end()).size(), 200u)
      << "a record was read by both members";
}

TEST_F(EmbeddedBusTest, APollWaitingForRecordsWakesWhenOneIsWritten) {
  auto bus = open();
  ASSERT_TRUE(bus);
  auto c = bus->subscribe("t.wake", "g");
  ASSERT_TRUE(c.has_value());
  auto waiting =
      std::async(std::launch::async, [&] { return (*c)->poll(10, milliseconds(30000)); });
  ASSERT_TRUE(bus->publish("t.wake", "k", "hello", nullptr).has_value());
  auto got = waiting.get();
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().value, "hello");
}

TEST_F(EmbeddedBusTest, UnknownTopicsGetTheDefaultPartitionCount) {
  auto o = options();
  o.default_partitions = 5;
  auto bus = open(o);
  ASSERT_TRUE(bus);
  auto missing = bus->partitionCount("t.auto");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(bus->publish("t.auto", "k", "v", nullptr).has_value());
  EXPECT_EQ(bus->partitionCount("t.auto").value_or(0), 5);
  ASSERT_TRUE(bus->subscribe("t.auto2", "g").has_value());
  EXPECT_EQ(bus->partitionCount("t.auto2").value_or(0), 5);
  // An existing topic keeps its partitions: fewer asked is fine, more is refused (as on Kafka),
  // since adding partitions would move keys and break per-key order.
  ASSERT_TRUE(bus->ensureTopic("t.auto", 2).has_value());
  EXPECT_EQ(bus->partitionCount("t.auto").value_or(0), 5);
  auto grow = bus->ensureTopic("t.auto", 8);
  ASSERT_FALSE(grow.has_value());
  EXPECT_EQ(grow.error().code, ErrorCode::kConfig);
  EXPECT_NE(grow.error().message.find("has 5 partitions"), std::string::npos) << grow.error().message;
  EXPECT_EQ(bus->partitionCount("t.auto").value_or(0), 5);
  EXPECT_FALSE(bus->ensureTopic("bad topic/name", 1).has_value());
}

TEST_F(EmbeddedBusTest, ClosingTheBusWritesWhatIsQueued) {
  std::atomic<int> delivered{0};
  {
    auto bus = open();
    ASSERT_TRUE(bus);
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(bus->publish("t.close", "k" + std::to_string(i % 9), std::to_string(i),
                               [&](const Delivery& d) {
                                 if (d.outcome == DeliveryOutcome::kDelivered) delivered++;
                               })
                      .has_value());
    }
  }
  EXPECT_EQ(delivered.load(), 1000);
  auto bus = open();
  ASSERT_TRUE(bus);
  auto c = bus->subscribe("t.close", "g");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(readAll(**c).size(), 1000u);
}

}  // namespace
}  // namespace hinomi::bus
