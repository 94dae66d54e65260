// CorrelationEngine on hand-built events and matches: sliding and closing windows, suppression
// and its final count, distinct values, temporal (ordered), absence, chaining, tenants and groups
// kept apart, lateness and clock skew, determinism.
#include <gtest/gtest.h>

#include "correlator/rules/correlation_set.h"
#include "correlator/rules/sigma_reader.h"
#include "correlator/windows/correlation_engine.h"

namespace hinomi::correlator {
namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kT0 = 1795435200 * kSec;  // 2026-11-23T12:00:00Z

// Two detection rules, `a` (index 0) and `b` (index 1), and the correlations given.
struct Fixture {
  explicit Fixture(const std::string& correlations, CorrelationOptions options = {}) {
    auto read = rules::readSigmaText(R"(title: A
id: a
detection: {sel: {k: a}, condition: sel}
---
title: B
id: b
detection: {sel: {k: b}, condition: sel}
---
)" + correlations, "c.yml");
    for (const auto& e : read.errors) ADD_FAILURE() << e.toString();
    auto set = rules::RuleSet::build(std::move(read.rules));
    EXPECT_TRUE(set.has_value());
    rule_set = std::move(*set);
    auto compiled = rules::compileCorrelations(std::move(read.correlations), rule_set, {});
    for (const auto& e : compiled.errors) ADD_FAILURE() << e.toString();
    engine = std::make_unique<CorrelationEngine>(compiled.set, options);
  }
  // Feeds one event matching `rule` (0 = a, 1 = b, -1 = none) at kT0 + secs.
  std::vector<Incident> feed(int64_t secs, int rule, nlohmann::json fields, std::string tenant = "t1") {
    Event e;
    e.id = "e" + std::to_string(++n);
    e.tenant = std::move(tenant);
    e.ts_us = kT0 + secs * kSec;
    e.ingest_ts_us = e.ts_us;
    e.fields = Fields::fromJson(fields);
    std::vector<Incident> out;
    std::vector<int> matched;
    if (rule >= 0) matched.push_back(rule);
    engine->onEvent(e, matched, out);
    all.insert(all.end(), out.begin(), out.end());
    return out;
  }
  std::vector<Incident> finish() {
    std::vector<Incident> out;
    engine->finish(out);
    all.insert(all.end(), out.begin(), out.end());
    return out;
  }
  rules::RuleSet rule_set;
  std::unique_ptr<CorrelationEngine> engine;
  std::vector<Incident> all;
  int n = 0;
};

const char* kCount = R"(title: three from one source
id: count
correlation: {type: event_count, rules: [a], group-by: [source.ip], timespan: 60s, condition: {gte: 3}}
level: high
)";

TEST(CorrelationEngineTest, EventCountFiresOnTheThirdInTheWindowPerGroupAndTenant) {
  Fixture f(kCount);
  EXPECT_TRUE(f.feed(0, 0, {{"source.ip", "192.0.2.1"}}).empty());
  EXPECT_TRUE(f.feed(1, 0, {{"source.ip", "192.0.2.2"}}).empty());               // another group
  EXPECT_TRUE(f.feed(2, 0, {{"source.ip", "192.0.2.1"}}, "t2").empty());         // another tenant
  EXPECT_TRUE(f.feed(3, 1, {{"source.ip", "192.0.2.1"}}).empty());               // another rule
  EXPECT_TRUE(f.feed(4, 0, {{"source.ip", "192.0.2.1"}}).empty());
  auto out = f.feed(5, 0, {{"source.ip", "192.0.2.1"}});
  ASSERT_EQ(out.size(), 1u);
  const Incident& inc = out[0];
  EXPECT_EQ(inc.rule_id, "count");
  EXPECT_EQ(inc.level, "high");
  EXPECT_EQ(inc.tenant, "t1");
  EXPECT_EQ(inc.group, (nlohmann::json{{"source.ip", "192.0.2.1"}}));
  EXPECT_EQ(inc.event_count, 3u);
  EXPECT_EQ(inc.event_ids, (std::vector<std::string>{"e1", "e5", "e6"}));
  EXPECT_EQ(inc.first_ts_us, kT0);
  EXPECT_EQ(inc.last_ts_us, kT0 + 5 * kSec);
  EXPECT_EQ(inc.id, incidentId("count", "t1", inc.group, "e1"));
}

TEST(CorrelationEngineTest, TheWindowSlides) {
  Fixture f(kCount);
  nlohmann::json ip = {{"source.ip", "192.0.2.1"}};
  f.feed(0, 0, ip);
  f.feed(50, 0, ip);
  EXPECT_TRUE(f.feed(70, 0, ip).empty());  // the first one left the window: 2 in the last 60 s
  auto out = f.feed(80, 0, ip);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first_ts_us, kT0 + 50 * kSec);
}

TEST(CorrelationEngineTest, OneIncidentPerWindowThenItsFinalCount) {
  Fixture f(kCount);
  nlohmann::json ip = {{"source.ip", "192.0.2.1"}};
  for (int s : {0, 1, 2}) f.feed(s, 0, ip);
  ASSERT_EQ(f.all.size(), 1u);
  for (int s : {3, 4, 5}) EXPECT_TRUE(f.feed(s, 0, ip).empty()) << s;  // joined, suppressed
  // Time moves past the window (any event of the tenant): the incident again, with every event.
  auto out = f.feed(120, -1, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, f.all[0].id);
  EXPECT_EQ(out[0].event_count, 6u);
  EXPECT_EQ(out[0].last_ts_us, kT0 + 5 * kSec);
  // A new run later is a new window and a new incident.
  for (int s : {200, 201, 202}) f.feed(s, 0, ip);
  ASSERT_EQ(f.all.size(), 3u);
  EXPECT_NE(f.all[2].id, f.all[0].id);
  EXPECT_TRUE(f.finish().empty());  // nothing joined the last one
}

TEST(CorrelationEngineTest, ValueCountCountsDistinctValues) {
  Fixture f(R"(title: spray
id: spray
correlation: {type: value_count, rules: [a], group-by: [source.ip], timespan: 60s, condition: {field: user.name, gt: 2}}
)");
  auto ev = [](const char* user) { return nlohmann::json{{"source.ip", "192.0.2.1"}, {"user.name", user}}; };
  f.feed(0, 0, ev("alice"));
  f.feed(1, 0, ev("alice"));
  f.feed(2, 0, ev("bob"));
  EXPECT_TRUE(f.feed(3, 0, ev("bob")).empty());
  auto out = f.feed(4, 0, ev("carol"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event_count, 5u);
}

TEST(CorrelationEngineTest, AnUpperBoundIsJudgedWhenTheWindowCloses) {
  Fixture f(R"(title: too few heartbeats
id: few
correlation: {type: event_count, rules: [a], group-by: [host.name], timespan: 60s, condition: {lt: 3}}
)");
  nlohmann::json h1 = {{"host.name", "h1"}}, h2 = {{"host.name", "h2"}};
  f.feed(0, 0, h1);
  f.feed(30, 0, h1);
  for (int s : {0, 20, 40}) f.feed(s, 0, h2);  // three: enough
  EXPECT_TRUE(f.all.empty());  // nothing is judged while the windows are open
  auto out = f.feed(200, -1, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].group, (nlohmann::json{{"host.name", "h1"}}));
  EXPECT_EQ(out[0].event_count, 2u);
}

TEST(CorrelationEngineTest, LateEventsWithinTheLatenessStillCount) {
  CorrelationOptions options;
  options.allowed_lateness_us = 10 * kSec;
  Fixture f(R"(title: exactly three
id: three
correlation: {type: event_count, rules: [a], group-by: [host.name], timespan: 60s, condition: {eq: 3}}
)", options);
  nlohmann::json h = {{"host.name", "h"}};
  f.feed(10, 0, h);
  f.feed(20, 0, h);
  f.feed(65, -1, {});        // past the window's end, not past its lateness
  f.feed(15, 0, h);          // arrives late, belongs to the window
  EXPECT_TRUE(f.all.empty());
  auto out = f.feed(90, -1, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event_count, 3u);
}

TEST(CorrelationEngineTest, TemporalInAnyOrderOrderedInOrder) {
  Fixture f(R"(title: both
id: both
correlation: {type: temporal, rules: [a, b], group-by: [user.name], timespan: 60s}
---
title: a then b
id: ab
correlation: {type: temporal_ordered, rules: [a, b], group-by: [user.name], timespan: 60s}
)");
  nlohmann::json u1 = {{"user.name", "u1"}}, u2 = {{"user.name", "u2"}};
  f.feed(0, 1, u1);  // b first
  auto out = f.feed(10, 0, u1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rule_id, "both");  // not ordered: b came before a
  f.feed(100, 0, u2);
  out = f.feed(130, 1, u2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rule_id, "both");
  EXPECT_EQ(out[1].rule_id, "ab");
  EXPECT_EQ(out[1].event_ids, (std::vector<std::string>{"e3", "e4"}));
  f.feed(300, 0, u1);
  EXPECT_TRUE(f.feed(400, 1, u1).empty());  // too far apart for either
}

TEST(CorrelationEngineTest, AbsenceOfAGroupAndANotFollowedB) {
  Fixture f(R"(title: silent host
id: silent
correlation: {type: absence, rules: [a], group-by: [host.name], timespan: 60s}
---
title: a not followed by b
id: unanswered
correlation: {type: absence, rules: [a, b], group-by: [user.name], timespan: 60s}
)");
  f.feed(0, 0, {{"host.name", "h1"}, {"user.name", "u1"}});
  f.feed(30, 0, {{"host.name", "h1"}, {"user.name", "u2"}});  // h1 still talking; u1 already pending
  f.feed(40, 1, {{"user.name", "u1"}});                       // u1 answered
  EXPECT_TRUE(f.feed(85, -1, {}).empty());
  auto out = f.feed(95, -1, {});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rule_id, "silent");
  EXPECT_EQ(out[0].group, (nlohmann::json{{"host.name", "h1"}}));
  EXPECT_EQ(out[0].first_ts_us, kT0 + 30 * kSec);
  EXPECT_EQ(out[0].last_ts_us, kT0 + 90 * kSec);
  EXPECT_EQ(out[1].rule_id, "unanswered");
  EXPECT_EQ(out[1].group, (nlohmann::json{{"user.name", "u2"}}));
  EXPECT_TRUE(f.feed(1000, -1, {}).empty());  // each silence is reported once
}

TEST(CorrelationEngineTest, ACorrelationCanUseAnother) {
  Fixture f(R"(title: two a
id: two
correlation: {type: event_count, rules: [a], group-by: [user.name], timespan: 60s, condition: {gte: 2}}
---
title: two a then b
id: chain
correlation: {type: temporal_ordered, rules: [two, b], group-by: [user.name], timespan: 120s}
)");
  nlohmann::json u = {{"user.name", "u"}};
  f.feed(0, 0, u);
  f.feed(1, 0, u);
  auto out = f.feed(50, 1, u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rule_id, "chain");
  EXPECT_EQ(f.all.size(), 1u);  // the inner correlation only feeds the chain: none of its own
  // The inner incident is the chain's first step.
  EXPECT_EQ(out[0].event_ids[0], incidentId("two", "t1", nlohmann::json{{"user.name", "u"}}, "e1"));
}

TEST(CorrelationEngineTest, AClockInTheFutureDoesNotCloseOtherWindows) {
  CorrelationOptions options;
  options.max_clock_skew_us = 5 * kSec;
  Fixture f(R"(title: few
id: few
correlation: {type: event_count, rules: [a], group-by: [host.name], timespan: 60s, condition: {lte: 5}}
)", options);
  f.feed(0, 0, {{"host.name", "h"}});
  Event skewed;  // a host whose clock runs a day ahead moves the tenant's clock by 5 s only
  skewed.id = "skewed";
  skewed.tenant = "t1";
  skewed.ingest_ts_us = kT0 + 1 * kSec;
  skewed.ts_us = skewed.ingest_ts_us + 86400 * kSec;
  std::vector<Incident> out;
  f.engine->onEvent(skewed, {}, out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(f.feed(30, 0, {{"host.name", "h"}}).empty());
  auto closed = f.feed(100, -1, {});
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].event_count, 2u);  // both events in one window despite the skewed host
}

TEST(CorrelationEngineTest, MissingGroupFieldIsNotCountedAndReplayIsDeterministic) {
  auto run = [] {
    Fixture f(kCount);
    f.feed(0, 0, {{"user.name", "x"}});
    for (int i = 0; i < 200; ++i)
      f.feed(i, 0, {{"source.ip", "192.0.2." + std::to_string(i % 7)}}, i % 2 ? "t1" : "t2");
    f.finish();
    EXPECT_EQ(f.engine->stats().ungrouped, 1u);
    std::string text;
    for (const auto& inc : f.all) text += toJson(inc) + "\n";
    return text;
  };
  std::string first = run();
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, run());
}

}  // namespace
}  // namespace hinomi::correlator
