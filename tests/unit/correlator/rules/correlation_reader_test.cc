// Sigma correlation documents: what is read, what is refused (FILE:LINE and why), and how the
// loader resolves references, maps group-by fields per rule and refuses cycles.
#include <gtest/gtest.h>

#include "correlator/rules/rule_loader.h"
#include "correlator/rules/sigma_reader.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::rules {
namespace {

constexpr const char* kBase = R"(title: failed login
name: failed_login
id: base-1
logsource: {product: linux, service: sshd}
detection:
  sel: {Outcome: failure}
  condition: sel
)";

TEST(CorrelationReaderTest, ReadsTheSpecificationsFields) {
  auto read = readSigmaText(std::string(kBase) + R"(---
title: Many failed logins
id: corr-1
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [SourceIp, host]
  timespan: 5m
  condition: {gte: 3, lt: 10, field: User}
level: high
tags: [attack.t1110]
)", "c.yml");
  ASSERT_TRUE(read.errors.empty()) << read.errors[0].toString();
  ASSERT_EQ(read.rules.size(), 1u);
  EXPECT_EQ(read.rules[0].name, "failed_login");
  ASSERT_EQ(read.correlations.size(), 1u);
  const auto& c = read.correlations[0];
  EXPECT_EQ(c.type, CorrelationType::kValueCount);
  EXPECT_EQ(c.rules, std::vector<std::string>{"failed_login"});
  EXPECT_EQ(c.group_by, (std::vector<std::string>{"SourceIp", "host"}));
  EXPECT_EQ(c.timespan_us, 300'000'000);
  EXPECT_EQ(c.value_field, "User");
  EXPECT_EQ(*c.condition.gte, 3u);
  EXPECT_EQ(*c.condition.lt, 10u);
  EXPECT_TRUE(c.condition.judgedAtClose());
  EXPECT_EQ(c.level, "high");
  EXPECT_EQ(c.location.line, 9);  // its document, after the base rule and ---
}

TEST(CorrelationReaderTest, Timespans) {
  EXPECT_EQ(parseTimespan("90s"), 90'000'000);
  EXPECT_EQ(parseTimespan("2h"), int64_t{7200} * 1000000);
  EXPECT_EQ(parseTimespan("1d"), int64_t{86400} * 1000000);
  for (const char* bad : {"", "5", "m", "0s", "-5m", "5x", "1.5h", "5M"}) EXPECT_FALSE(parseTimespan(bad)) << bad;
}

TEST(CorrelationReaderTest, EachRefusalNamesItsLine) {
  struct Case {
    std::string body;  // the correlation section's lines
    int line;
    std::string reason;
  } cases[] = {
      {"  type: event_count\n  timespan: 5m\n  condition: {gte: 2}\n", 3, "names no 'rules'"},
      {"  type: often\n  rules: [a]\n  timespan: 5m\n", 3, "unknown correlation type 'often'"},
      {"  type: event_count\n  rules: [a]\n  timespan: 5 minutes\n  condition: {gte: 2}\n", 5, "'timespan' must be"},
      {"  type: event_count\n  rules: [a]\n  timespan: 5m\n", 3, "needs a 'condition'"},
      {"  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition: {gte: many}\n", 6, "whole number"},
      {"  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition: {above: 3}\n", 6, "unknown condition 'above'"},
      {"  type: value_count\n  rules: [a]\n  timespan: 5m\n  condition: {gte: 3}\n", 6, "needs 'field'"},
      {"  type: temporal_ordered\n  rules: [a]\n  timespan: 5m\n", 4, "at least two rules"},
      {"  type: absence\n  rules: [a]\n  timespan: 5m\n  condition: {gte: 1}\n", 6, "absence has no condition"},
      {"  type: event_count\n  rules: [a, a]\n  timespan: 5m\n  condition: {gte: 2}\n", 4, "listed twice"},
      {"  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition: {gte: 2}\n  window: 3\n", 7, "unknown key 'window'"},
  };
  for (const auto& c : cases) {
    std::string yaml = "title: t\ncorrelation:\n" + c.body;
    auto read = readSigmaText(yaml, "f.yml");
    EXPECT_TRUE(read.correlations.empty()) << yaml;
    EXPECT_EQ(read.refused, 1) << yaml;
    ASSERT_FALSE(read.errors.empty()) << yaml;
    EXPECT_EQ(read.errors[0].location.file, "f.yml");
    EXPECT_EQ(read.errors[0].location.line, c.line) << yaml << read.errors[0].toString();
    EXPECT_NE(read.errors[0].message.find(c.reason), std::string::npos) << read.errors[0].toString();
  }
}

class CorrelationLoadTest : public ::testing::Test {
 protected:
  LoadedRules load(const std::string& rules) {
    dir_.write("pipelines/linux.yaml",
               "name: linux-sshd\nlogsource: {product: linux, service: sshd}\nfields: {SourceIp: source.ip, User: user.name, Outcome: event.outcome}\n");
    dir_.write("rules.yml", rules);
    return loadRules({dir_.path().string()});
  }
  testing::TempDir dir_;
};

TEST_F(CorrelationLoadTest, ReferencesByNameOrIdAndMappedGroupBy) {
  auto loaded = load(std::string(kBase) + R"(---
title: by name
id: c-name
correlation: {type: event_count, rules: [failed_login], group-by: [SourceIp], timespan: 1m, condition: {gte: 5}}
---
title: by id, generating
id: c-id
correlation: {type: event_count, rules: [base-1], group-by: [User], timespan: 1m, condition: {gte: 5}, generate: true}
---
title: chained
id: c-chain
correlation: {type: temporal_ordered, rules: [c-name, base-1], group-by: [SourceIp], timespan: 10m}
)");
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors[0].toString();
  ASSERT_TRUE(loaded.correlations);
  const auto& cs = *loaded.correlations;
  ASSERT_EQ(cs.size(), 3u);
  EXPECT_EQ(cs.correlations()[0].rule.id, "c-name");
  EXPECT_EQ(cs.correlations()[0].group_keys, std::vector<std::string>{"source.ip"});
  EXPECT_EQ(cs.correlations()[1].group_keys, std::vector<std::string>{"user.name"});
  const auto& chain = cs.correlations()[2];
  ASSERT_EQ(chain.refs.size(), 2u);
  EXPECT_TRUE(chain.refs[0].is_correlation);
  EXPECT_EQ(chain.refs[0].index, 0);
  EXPECT_FALSE(chain.refs[1].is_correlation);
  EXPECT_EQ(cs.usersOfRule(0).size(), 3u);
  EXPECT_EQ(cs.usersOfCorrelation(0).size(), 1u);
  // One correlation generates the base rule's own incidents, so it keeps them.
  EXPECT_TRUE(cs.raisesOwnIncidents(0));
}

TEST_F(CorrelationLoadTest, ABaseRuleOnlyFeedingCorrelationsIsSilent) {
  auto loaded = load(std::string(kBase) + R"(---
title: c
id: c
correlation: {type: event_count, rules: [failed_login], group-by: [SourceIp], timespan: 1m, condition: {gte: 5}}
)");
  ASSERT_TRUE(loaded.errors.empty());
  EXPECT_FALSE(loaded.correlations->raisesOwnIncidents(0));
}

TEST_F(CorrelationLoadTest, UnresolvedCyclicAndAliasErrorsAreRefusedTheOthersLoad) {
  auto loaded = load(std::string(kBase) + R"(---
title: unknown
id: c-unknown
correlation: {type: event_count, rules: [nope], timespan: 1m, condition: {gte: 5}}
---
title: a
id: c-a
correlation: {type: temporal, rules: [c-b, base-1], timespan: 1m}
---
title: b
id: c-b
correlation: {type: temporal, rules: [c-a, base-1], timespan: 1m}
---
title: alias without this rule
id: c-alias
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [ip]
  aliases: {ip: {other_rule: source.ip}}
  timespan: 1m
  condition: {gte: 2}
---
title: fine
id: c-ok
correlation: {type: event_count, rules: [failed_login], timespan: 1m, condition: {gte: 2}}
)");
  EXPECT_EQ(loaded.refused, 4);
  ASSERT_EQ(loaded.correlations->size(), 1u);
  EXPECT_EQ(loaded.correlations->correlations()[0].rule.id, "c-ok");
  std::string all;
  for (const auto& e : loaded.errors) all += e.toString() + "\n";
  EXPECT_NE(all.find("rules.yml:9:1: error: correlation c-unknown: rule 'nope' is not loaded"), std::string::npos) << all;
  EXPECT_NE(all.find("cycle"), std::string::npos) << all;
  EXPECT_NE(all.find("alias 'ip' names no field for rule 'failed_login'"), std::string::npos) << all;
}

}  // namespace
}  // namespace hinomi::rules
