// WindowStore and the engine's durable state: a stream cut at any point, the windows stored,
// the process "restarted" (a fresh engine loading the store) and the stream continued gives the
// incidents of an uninterrupted run, for every kind of correlation; offsets travel with the
// windows; state of a correlation no longer loaded is dropped.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <random>

#include "correlator/rules/correlation_set.h"
#include "correlator/rules/sigma_reader.h"
#include "correlator/windows/correlation_engine.h"
#include "correlator/windows/window_store.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::correlator {
namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kT0 = 1795435200 * kSec;  // 2026-11-23T12:00:00Z

const char* kRules = R"(title: A
id: a
detection: {sel: {k: a}, condition: sel}
---
title: B
id: b
detection: {sel: {k: b}, condition: sel}
---
)";

// Every kind: sliding count, closing count (an upper bound), distinct values, temporal, ordered,
// absence of a follow-up, and a correlation chained on another.
const char* kCorrelations = R"(title: sliding
id: sliding
name: sliding
correlation: {type: event_count, rules: [a], group-by: [ip], timespan: 60s, condition: {gte: 3}}
---
title: closing
id: closing
correlation: {type: event_count, rules: [b], group-by: [ip], timespan: 120s, condition: {lte: 2}}
---
title: distinct
id: distinct
correlation: {type: value_count, rules: [a], group-by: [ip], timespan: 90s, condition: {field: user, gte: 2}}
---
title: temporal
id: temporal
correlation: {type: temporal, rules: [a, b], group-by: [ip], timespan: 30s}
---
title: ordered
id: ordered
correlation: {type: temporal_ordered, rules: [b, a], group-by: [ip], timespan: 45s}
---
title: absence
id: absence
correlation: {type: absence, rules: [b, a], group-by: [ip], timespan: 100s}
---
title: chained
id: chained
correlation: {type: event_count, rules: [sliding], group-by: [ip], timespan: 600s, condition: {gte: 2}, generate: true}
)";

struct Input {
  Event event;
  std::vector<int> matched;
};

std::vector<Input> stream(size_t n) {
  std::mt19937 rng(7);
  std::vector<Input> out;
  int64_t ts = kT0;
  for (size_t i = 0; i < n; ++i) {
    Input in;
    ts += int64_t(rng() % 9) * kSec;
    in.event.id = "e" + std::to_string(i);
    in.event.tenant = rng() % 3 == 0 ? "t2" : "t1";
    // Some events a little out of order, within the allowed lateness.
    in.event.ts_us = ts - (rng() % 5 == 0 ? int64_t(rng() % 4) * kSec : 0);
    in.event.ingest_ts_us = ts;
    in.event.fields = {{"ip", "192.0.2." + std::to_string(rng() % 4)}, {"user", "u" + std::to_string(rng() % 3)}};
    int r = int(rng() % 3);
    if (r < 2) in.matched.push_back(r);
    out.push_back(std::move(in));
  }
  return out;
}

std::shared_ptr<const rules::CorrelationSet> compile(const std::string& correlations, rules::RuleSet& rule_set) {
  auto read = rules::readSigmaText(std::string(kRules) + correlations, "c.yml");
  for (const auto& e : read.errors) ADD_FAILURE() << e.toString();
  auto set = rules::RuleSet::build(std::move(read.rules));
  EXPECT_TRUE(set.has_value());
  rule_set = std::move(*set);
  auto compiled = rules::compileCorrelations(std::move(read.correlations), rule_set, {});
  for (const auto& e : compiled.errors) ADD_FAILURE() << e.toString();
  return compiled.set;
}

CorrelationOptions options() {
  CorrelationOptions o;
  o.allowed_lateness_us = 5 * kSec;
  return o;
}

std::vector<std::string> lines(const std::vector<Incident>& incidents) {
  std::vector<std::string> out;
  for (const auto& i : incidents) out.push_back(toJson(i));
  return out;
}

std::vector<Incident> uninterrupted(const std::shared_ptr<const rules::CorrelationSet>& set,
                                    const std::vector<Input>& input) {
  std::vector<Incident> out;
  CorrelationEngine engine(set, options());
  for (const auto& in : input) engine.onEvent(in.event, in.matched, out);
  engine.finish(out);
  return out;
}

// A restart at any point, with every group in memory (bound 0) or at most 3 of them, the rest
// evicted to the store and read back.
class WindowStoreRestartTest : public ::testing::TestWithParam<size_t> {};

TEST_P(WindowStoreRestartTest, ARestartAnywhereGivesTheUninterruptedIncidents) {
  rules::RuleSet rule_set;
  auto set = compile(kCorrelations, rule_set);
  ASSERT_TRUE(set);
  const auto input = stream(400);
  const std::vector<Incident> expected = uninterrupted(set, input);
  ASSERT_GT(expected.size(), 20u);
  std::set<std::string> kinds;
  for (const auto& i : expected) kinds.insert(i.rule_id);
  EXPECT_EQ(kinds.size(), 7u) << "every correlation fires in this stream; fired: " << ::testing::PrintToString(kinds);

  CorrelationOptions bounded = options();
  bounded.max_groups_in_memory = GetParam();
  for (size_t cut : {1u, 17u, 60u, 151u, 233u, 399u}) {
    SCOPED_TRACE("restart after event " + std::to_string(cut));
    hinomi::testing::TempDir dir;
    std::vector<Incident> got;
    {
      auto store = WindowStore::open(dir.file("state"));
      ASSERT_TRUE(store.has_value()) << store.error().toString();
      CorrelationEngine engine(set, bounded);
      ASSERT_TRUE((*store)->load(engine, "events").has_value());
      // Committed every 7 events, as batches are; the cut lands after a commit.
      for (size_t i = 0; i < cut; ++i) {
        engine.onEvent(input[i].event, input[i].matched, got);
        if ((i + 1) % 7 == 0 || i + 1 == cut) {
          ASSERT_TRUE((*store)->commit(engine, "events", {{0, int64_t(i + 1)}}).has_value());
          if (GetParam() > 0) {
            EXPECT_LE(engine.stats().groups_in_memory, GetParam());
          }
        }
      }
    }
    auto store = WindowStore::open(dir.file("state"));
    ASSERT_TRUE(store.has_value());
    CorrelationEngine engine(set, bounded);
    auto offsets = (*store)->load(engine, "events");
    ASSERT_TRUE(offsets.has_value()) << offsets.error().toString();
    EXPECT_EQ(*offsets, (std::map<int32_t, int64_t>{{0, int64_t(cut)}}));
    EXPECT_EQ(engine.stats().groups_in_memory, 0u) << "groups are read when seen, not at start";
    EXPECT_TRUE((*store)->load(engine, "other").has_value());
    for (size_t i = size_t(offsets->at(0)); i < input.size(); ++i) {
      engine.onEvent(input[i].event, input[i].matched, got);
      if ((i + 1) % 7 == 0) {
        ASSERT_TRUE((*store)->commit(engine, "events", {{0, int64_t(i + 1)}}).has_value());
      }
    }
    engine.finish(got);
    EXPECT_EQ(lines(got), lines(expected));
    if (cut > 100) {
      EXPECT_GT(engine.stats().read_back, 0u);
    }
    if (GetParam() > 0 && cut > 100 && cut < 300) {  // commits on both sides of the restart
      EXPECT_GT(engine.stats().evicted, 0u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(MemoryBound, WindowStoreRestartTest, ::testing::Values(size_t(0), size_t(3)),
                         [](const auto& info) { return info.param ? "AtMost" + std::to_string(info.param) : std::string("Unbounded"); });

// An engine holding at most `bound` groups, the rest in a store at `path`.
struct BoundedEngine {
  std::unique_ptr<WindowStore> store;
  std::unique_ptr<CorrelationEngine> engine;
};

BoundedEngine boundedEngine(const std::shared_ptr<const rules::CorrelationSet>& set, const std::string& path,
                            size_t bound) {
  BoundedEngine b;
  auto store = WindowStore::open(path);
  EXPECT_TRUE(store.has_value()) << store.error().toString();
  if (!store) return b;
  b.store = std::move(*store);
  CorrelationOptions o = options();
  o.max_groups_in_memory = bound;
  b.engine = std::make_unique<CorrelationEngine>(set, o);
  EXPECT_TRUE(b.store->load(*b.engine, "events").has_value());
  return b;
}

// Thousands of distinct groups through an engine that may hold 50: the same incidents as one
// holding all of them, in the same order, and never more than 50 in memory after a write.
TEST(WindowStoreTest, ABoundedEngineRaisesWhatAnUnboundedOneDoes) {
  rules::RuleSet rule_set;
  auto set = compile(kCorrelations, rule_set);
  ASSERT_TRUE(set);
  std::vector<Input> input = stream(6000);
  std::mt19937 rng(3);
  for (auto& in : input) in.event.fields["ip"] = "198.51.100." + std::to_string(rng() % 700);
  const std::vector<Incident> expected = uninterrupted(set, input);
  ASSERT_GT(expected.size(), 100u);

  hinomi::testing::TempDir dir;
  auto [store, bounded] = boundedEngine(set, dir.file("state"), 50);
  ASSERT_TRUE(store && bounded);
  CorrelationEngine& engine = *bounded;
  std::vector<Incident> got;
  for (size_t i = 0; i < input.size(); ++i) {
    engine.onEvent(input[i].event, input[i].matched, got);
    if ((i + 1) % 20 == 0) {
      ASSERT_TRUE(store->commit(engine, "events", {{0, int64_t(i + 1)}}).has_value());
      ASSERT_LE(engine.stats().groups_in_memory, 50u);
    }
  }
  engine.finish(got);
  EXPECT_EQ(lines(got), lines(expected));
  EXPECT_GT(engine.stats().evicted, 1000u);
  EXPECT_GT(engine.stats().read_back, 1000u);
  EXPECT_GT(store->countGroups(), 50u);
}

// The memory bound at scale: a million distinct sources, one failed login each (a 1-day window,
// so no group closes), through an engine that may hold 10,000 groups. Every group is stored, no
// more than the bound stays in memory after any write, and the process grows by far less than the
// ~2 GB the million groups took in memory before they were bounded.
size_t residentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long pages = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &pages, &resident);
  std::fclose(f);
  return n == 2 ? size_t(resident) * size_t(sysconf(_SC_PAGESIZE)) : 0;
}

TEST(WindowStoreTest, AMillionDistinctGroupsStayWithinTheMemoryBound) {
  rules::RuleSet rule_set;
  auto set = compile(R"(title: bf
id: bf
correlation: {type: event_count, rules: [a], group-by: [ip], timespan: 1d, condition: {gte: 5}}
)", rule_set);
  ASSERT_TRUE(set);
  hinomi::testing::TempDir dir;
  auto [store, bounded] = boundedEngine(set, dir.file("state"), 10000);
  ASSERT_TRUE(store && bounded);
  CorrelationEngine& engine = *bounded;
  constexpr size_t kGroups = 1000000;
  const size_t before = residentBytes();
  std::vector<int> matched{0};
  std::vector<Incident> out;
  size_t most_in_memory = 0;
  Event e;
  e.tenant = "t1";
  for (size_t i = 0; i < kGroups; ++i) {
    e.id = "e" + std::to_string(i);
    e.ts_us = kT0 + int64_t(i) * 1000;
    e.ingest_ts_us = e.ts_us;
    e.fields = {{"ip", "10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
                           std::to_string(i & 255)}};
    engine.onEvent(e, matched, out);
    if ((i + 1) % 500 == 0) {
      ASSERT_TRUE(store->commit(engine, "events", {{0, int64_t(i + 1)}}).has_value());
      most_in_memory = std::max(most_in_memory, engine.stats().groups_in_memory);
    }
  }
  const size_t grown = residentBytes() - std::min(before, residentBytes());
  EXPECT_TRUE(out.empty());
  EXPECT_LE(most_in_memory, 10000u);
  EXPECT_EQ(store->countGroups(), kGroups);
  EXPECT_LT(grown, size_t(600) << 20) << "resident memory grew by " << (grown >> 20) << " MiB";
  RecordProperty("resident_growth_mib", int(grown >> 20));
}

TEST(WindowStoreTest, GroupsOfACorrelationNoLongerLoadedAreDropped) {
  hinomi::testing::TempDir dir;
  rules::RuleSet rule_set;
  auto set = compile(kCorrelations, rule_set);
  uint64_t all = 0;
  {
    auto store = WindowStore::open(dir.file("state"));
    ASSERT_TRUE(store.has_value());
    CorrelationEngine engine(set, options());
    std::vector<Incident> out;
    for (const auto& in : stream(50)) engine.onEvent(in.event, in.matched, out);
    ASSERT_TRUE((*store)->commit(engine, "events", {{0, 50}, {3, 9}}).has_value());
    all = (*store)->countGroups();
    EXPECT_EQ(all, engine.stats().groups_in_memory);
  }
  // Reloaded with the ordered correlation alone: the other correlations' groups go.
  rules::RuleSet fewer_rules;
  auto fewer = compile(R"(title: ordered
id: ordered
correlation: {type: temporal_ordered, rules: [b, a], group-by: [ip], timespan: 45s}
)", fewer_rules);
  {
    auto store = WindowStore::open(dir.file("state"));
    ASSERT_TRUE(store.has_value());
    CorrelationEngine engine(fewer, options());
    auto offsets = (*store)->load(engine, "events");
    ASSERT_TRUE(offsets.has_value());
    EXPECT_EQ(*offsets, (std::map<int32_t, int64_t>{{0, 50}, {3, 9}}));
    EXPECT_GT((*store)->stats().correlations_dropped, 0u);
    size_t kept = 0, others = 0;
    (*store)->scanGroupKeys([&](std::string_view key) { (key.starts_with(std::string_view("ordered\0", 8)) ? kept : others)++; });
    EXPECT_GT(kept, 0u);
    EXPECT_EQ(others, 0u);
    EXPECT_LT((*store)->countGroups(), all);
  }
  auto store = WindowStore::open(dir.file("state"));
  ASSERT_TRUE(store.has_value());
  CorrelationEngine engine(fewer, options());
  ASSERT_TRUE((*store)->load(engine, "events").has_value());
  EXPECT_EQ((*store)->stats().correlations_dropped, 0u) << "deleted on the first load";
}

TEST(WindowStoreTest, AnUnwritableDirectoryIsAClearError) {
  hinomi::testing::TempDir dir;
  std::string file = dir.file("not-a-dir");
  FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  auto store = WindowStore::open(file + "/state");
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message.find("correlation state"), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace hinomi::correlator
