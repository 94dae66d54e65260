// WindowStore and the engine's durable state: a stream cut at any point, the windows stored,
// the process "restarted" (a fresh engine loading the store) and the stream continued gives the
// incidents of an uninterrupted run, for every kind of correlation; offsets travel with the
// windows; state of a correlation no longer loaded is dropped.
#include <gtest/gtest.h>

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

TEST(WindowStoreTest, ARestartAnywhereGivesTheUninterruptedIncidents) {
  rules::RuleSet rule_set;
  auto set = compile(kCorrelations, rule_set);
  ASSERT_TRUE(set);
  const auto input = stream(400);
  std::vector<Incident> expected;
  {
    CorrelationEngine engine(set, options());
    for (const auto& in : input) engine.onEvent(in.event, in.matched, expected);
    engine.finish(expected);
  }
  ASSERT_GT(expected.size(), 20u);
  std::set<std::string> kinds;
  for (const auto& i : expected) kinds.insert(i.rule_id);
  EXPECT_EQ(kinds.size(), 7u) << "every correlation fires in this stream; fired: " << ::testing::PrintToString(kinds);

  for (size_t cut : {1u, 17u, 60u, 151u, 233u, 399u}) {
    SCOPED_TRACE("restart after event " + std::to_string(cut));
    hinomi::testing::TempDir dir;
    std::vector<Incident> got;
    {
      auto store = WindowStore::open(dir.file("state"));
      ASSERT_TRUE(store.has_value()) << store.error().toString();
      CorrelationEngine engine(set, options());
      // Committed every 7 events, as batches are; the cut lands after a commit.
      for (size_t i = 0; i < cut; ++i) {
        engine.onEvent(input[i].event, input[i].matched, got);
        if ((i + 1) % 7 == 0 || i + 1 == cut) {
          ASSERT_TRUE((*store)->commit(engine, "events", {{0, int64_t(i + 1)}}).has_value());
        }
      }
    }
    auto store = WindowStore::open(dir.file("state"));
    ASSERT_TRUE(store.has_value());
    CorrelationEngine engine(set, options());
    auto offsets = (*store)->load(engine, "events");
    ASSERT_TRUE(offsets.has_value()) << offsets.error().toString();
    EXPECT_EQ(*offsets, (std::map<int32_t, int64_t>{{0, int64_t(cut)}}));
    EXPECT_TRUE((*store)->load(engine, "other").has_value());
    for (size_t i = size_t(offsets->at(0)); i < input.size(); ++i) engine.onEvent(input[i].event, input[i].matched, got);
    engine.finish(got);
    EXPECT_EQ(lines(got), lines(expected));
  }
}

TEST(WindowStoreTest, GroupsOfACorrelationNoLongerLoadedAreDropped) {
  hinomi::testing::TempDir dir;
  rules::RuleSet rule_set;
  auto set = compile(kCorrelations, rule_set);
  {
    auto store = WindowStore::open(dir.file("state"));
    ASSERT_TRUE(store.has_value());
    CorrelationEngine engine(set, options());
    std::vector<Incident> out;
    for (const auto& in : stream(50)) engine.onEvent(in.event, in.matched, out);
    ASSERT_TRUE((*store)->commit(engine, "events", {{0, 50}, {3, 9}}).has_value());
    EXPECT_GT(engine.stats().open_groups, 0u);
  }
  // Reloaded with the sliding correlation alone: the other correlations' groups go.
  rules::RuleSet fewer_rules;
  auto fewer = compile(R"(title: sliding
id: sliding
correlation: {type: event_count, rules: [a], group-by: [ip], timespan: 60s, condition: {gte: 3}}
)", fewer_rules);
  uint64_t kept = 0;
  {
    auto store = WindowStore::open(dir.file("state"));
    ASSERT_TRUE(store.has_value());
    CorrelationEngine engine(fewer, options());
    auto offsets = (*store)->load(engine, "events");
    ASSERT_TRUE(offsets.has_value());
    EXPECT_EQ(*offsets, (std::map<int32_t, int64_t>{{0, 50}, {3, 9}}));
    EXPECT_GT((*store)->stats().groups_dropped, 0u);
    kept = (*store)->stats().groups_restored;
    EXPECT_EQ(engine.stats().open_groups, kept);
  }
  auto store = WindowStore::open(dir.file("state"));
  ASSERT_TRUE(store.has_value());
  CorrelationEngine engine(fewer, options());
  ASSERT_TRUE((*store)->load(engine, "events").has_value());
  EXPECT_EQ((*store)->stats().groups_dropped, 0u) << "deleted on the first load";
  EXPECT_EQ((*store)->stats().groups_restored, kept);
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
