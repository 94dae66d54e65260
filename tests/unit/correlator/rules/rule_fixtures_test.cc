// Rule fixtures: the reader (format, FILE:LINE errors) and the runner (line cases decoded, event
// cases as written, unknown rule ids, rules without fixtures).
#include <filesystem>

#include <gtest/gtest.h>

#include "correlator/decoders/decoder_loader.h"
#include "correlator/rules/fixture_runner.h"
#include "correlator/rules/correlation_set.h"
#include "correlator/rules/rule_fixtures.h"
#include "correlator/rules/sigma_reader.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/correlator/rules/rules_test_util.h"

namespace hinomi::rules {
namespace {

constexpr int64_t kNow = 1795392000000000;  // 2026-11-23T00:00:00Z: the year of year-less lines

const char* kGoodFile =
    "rule: ssh-fail\n"                                                                          // 1
    "tenant: katsuragi\n"                                                                       // 2
    "fire:\n"                                                                                   // 3
    "  - line: \"<38>Nov 23 10:00:01 web1 sshd[811]: Failed password for root from 203.0.113.9 port 52113 ssh2\"\n"
    "  - event: {app: sshd, host: web1, message: \"12\", fields: {source.ip: 203.0.113.9, source.port: 22, "
    "ok: true, quoted: '22'}}\n"                                                                // 5
    "no_fire:\n"                                                                                // 6
    "  - line: |\n"                                                                             // 7
    "      <38>Nov 23 10:00:02 web1 sshd[811]: Accepted password for root from 10.0.0.1 port 1 ssh2\n"
    "---\n"                                                                                     // 9
    "rule: other\n"                                                                             // 10
    "no_fire:\n"                                                                                // 11
    "  - event: {message: x}\n";                                                                // 12

TEST(RuleFixturesTest, ReadsLineAndEventCasesWithTheirLines) {
  auto load = readFixtureText(kGoodFile, "f.yaml");
  for (const auto& e : load.errors) ADD_FAILURE() << e.toString();
  ASSERT_EQ(load.fixtures.size(), 2u);
  const auto& f = load.fixtures[0];
  EXPECT_EQ(f.rule_id, "ssh-fail");
  EXPECT_EQ(f.tenant, "katsuragi");
  EXPECT_EQ(f.location.line, 1);
  ASSERT_EQ(f.cases.size(), 3u);
  EXPECT_EQ(f.cases[0].kind, FixtureCase::Kind::kLine);
  EXPECT_TRUE(f.cases[0].expect_fire);
  EXPECT_EQ(f.cases[0].location.line, 4);
  EXPECT_EQ(f.cases[0].location.column, 5);
  EXPECT_EQ(f.cases[1].kind, FixtureCase::Kind::kEvent);
  EXPECT_EQ(f.cases[1].location.line, 5);
  EXPECT_EQ(f.cases[1].event.app, "sshd");
  EXPECT_EQ(f.cases[1].event.message, "12");  // event text stays text
  EXPECT_EQ(f.cases[1].event.fields["source.ip"], "203.0.113.9");
  EXPECT_EQ(f.cases[1].event.fields["source.port"], 22);  // typed as a decoder types it
  EXPECT_EQ(f.cases[1].event.fields["ok"], true);
  EXPECT_EQ(f.cases[1].event.fields["quoted"], "22");
  EXPECT_FALSE(f.cases[2].expect_fire);
  EXPECT_EQ(f.cases[2].location.line, 7);
  EXPECT_EQ(f.cases[2].line.back(), '2');  // the block scalar's newline is not part of the line
  EXPECT_EQ(load.fixtures[1].tenant, "default");
  EXPECT_EQ(load.fixtures[1].location.line, 10);
}

TEST(RuleFixturesTest, UnknownKeysAreErrorsAtTheirLine) {
  auto load = readFixtureText(
      "rule: r\n"
      "fires:\n"                               // 2: a typo of fire
      "  - line: x\n"
      "---\n"
      "rule: r\n"
      "fire:\n"
      "  - {line: x, note: y}\n"               // 7: two keys in a case
      "  - lines: x\n"                         // 8
      "  - event: {app: a, hostname: h}\n",    // 9
      "f.yaml");
  EXPECT_TRUE(load.fixtures.empty());
  ASSERT_EQ(load.errors.size(), 4u);
  EXPECT_EQ(load.errors[0].toString(),
            "f.yaml:2:1: error: unknown key 'fires' in a rule fixture (known: rule, tenant, fire, no_fire, script, expect)");
  EXPECT_EQ(load.errors[1].location.line, 7);
  EXPECT_EQ(load.errors[2].toString(), "f.yaml:8:5: error: unknown key 'lines' in a case (known: line, event)");
  EXPECT_EQ(load.errors[3].location.line, 9);
  EXPECT_EQ(load.errors[3].location.column, 21);
  EXPECT_NE(load.errors[3].message.find("unknown key 'hostname' in an event"), std::string::npos);
}

TEST(RuleFixturesTest, AFixtureNeedsARuleAndCases) {
  auto load = readFixtureText("fire:\n  - line: x\n---\nrule: r\n---\nrule: r\nfire: x\n---\n- a\n", "f.yaml");
  EXPECT_TRUE(load.fixtures.empty());
  ASSERT_EQ(load.errors.size(), 4u);
  EXPECT_NE(load.errors[0].message.find("no 'rule'"), std::string::npos);
  EXPECT_NE(load.errors[1].message.find("no cases"), std::string::npos);
  EXPECT_EQ(load.errors[2].location.line, 7);
  EXPECT_NE(load.errors[2].message.find("'fire' must be a list"), std::string::npos);
  EXPECT_NE(load.errors[3].message.find("must be a YAML map"), std::string::npos);
  auto bad = readFixtureText("rule: [\n", "f.yaml");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_NE(bad.errors[0].message.find("YAML syntax"), std::string::npos);
}

TEST(RuleFixturesTest, EventTextThatIsNotUtf8IsAnErrorNotACrash) {
  // Found by rule_fixture_fuzz: the bytes went to nlohmann's dump(), which throws on them.
  auto load = readFixtureText("rule: r\nfire:\n  - event: {app: \"s\xff\xfeshd\"}\n  - line: ok\n", "f.yaml");
  EXPECT_TRUE(load.fixtures.empty());
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors[0].location.line, 3);
  EXPECT_NE(load.errors[0].message.find("not valid UTF-8"), std::string::npos) << load.errors[0].message;
}

class FixtureRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    decoders_ = correlator::loadDecoderDirectories({std::string(HINOMI_SOURCE_DIR) + "/config/decoders"});
    for (const auto& e : decoders_.errors) ADD_FAILURE() << e.toString();
    // Only the sshd decoder gives source.ip: a line case fires only when it was decoded.
    set_ = test::compileText(
        "title: Public source\nid: public\ndetection:\n"
        "  sel: {source.ip|cidr: 203.0.113.0/24}\n  condition: sel\n"
        "---\n"
        "title: Never tested\nid: untested\ndetection:\n  sel: {user.name: nobody}\n  condition: sel\n");
  }
  FixtureRun run(const std::string& text) {
    auto load = readFixtureText(text, "t.yaml");
    for (const auto& e : load.errors) ADD_FAILURE() << e.toString();
    return runFixtures(load.fixtures, set_, decoders_.set, kNow);
  }

  correlator::DecoderLoad decoders_;
  RuleSet set_;
};

TEST_F(FixtureRunnerTest, LinesAreDecodedAndEventsTakenAsWritten) {
  auto r = run(
      "rule: public\n"
      "tenant: t1\n"
      "fire:\n"
      "  - line: '<38>Nov 23 10:00:01 web1 sshd[811]: Failed password for root from 203.0.113.9 port 2 ssh2'\n"
      "  - event: {app: none, fields: {source.ip: 203.0.113.7}}\n"
      "  - line: '<38>Nov 23 10:00:01 web1 sshd[811]: Failed password for root from 10.0.0.9 port 2 ssh2'\n"
      "no_fire:\n"
      "  - line: '<38>Nov 23 10:00:01 web1 sshd[811]: Accepted password for root from 10.1.1.1 port 2 ssh2'\n"
      "  - event: {app: sshd, message: 'Failed password for root from 203.0.113.9 port 2 ssh2'}\n"
      "  - event: {app: sshd, fields: {source.ip: 203.0.113.8}}\n");
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.cases.size(), 6u);
  EXPECT_EQ(r.passed, 4u);
  EXPECT_EQ(r.failed, 2u);
  EXPECT_TRUE(r.cases[0].passed());
  EXPECT_EQ(r.cases[0].event.decoder, "syslog,sshd");
  EXPECT_EQ(r.cases[0].event.tenant, "t1");
  EXPECT_EQ(r.cases[0].rule->title, "Public source");
  EXPECT_TRUE(r.cases[1].passed());
  EXPECT_FALSE(r.cases[2].passed());  // a private source: the positive fails
  EXPECT_FALSE(r.cases[2].fired);
  EXPECT_EQ(r.cases[2].location.line, 6);
  EXPECT_TRUE(r.cases[3].passed());
  EXPECT_TRUE(r.cases[4].passed());  // an event case is not decoded: no source.ip from its message
  EXPECT_EQ(r.cases[4].event.decoder, "");
  EXPECT_FALSE(r.cases[5].passed());  // the near miss fired
  EXPECT_TRUE(r.cases[5].fired);
  // Same input, same events.
  auto again = run("rule: public\nfire:\n  - line: 'x 203.0.113.9'\n");
  EXPECT_EQ(again.cases[0].event.id, run("rule: public\nfire:\n  - line: 'x 203.0.113.9'\n").cases[0].event.id);
}

TEST_F(FixtureRunnerTest, UnknownRuleIdsAreErrorsAndUntestedRulesListed) {
  auto r = run("rule: public\nfire:\n  - event: {fields: {source.ip: 203.0.113.1}}\n"
               "---\nrule: gone\nfire:\n  - line: x\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].location.line, 5);
  EXPECT_NE(r.errors[0].message.find("no loaded rule has id 'gone'"), std::string::npos);
  EXPECT_EQ(r.cases.size(), 1u);  // the unknown rule's cases do not run
  ASSERT_EQ(r.untested.size(), 1u);
  EXPECT_EQ(r.untested[0]->id, "untested");
}

// A correlation that only feeds another is silent in replay, but its own script checks its
// incidents: rules test runs the one under test loud. The outer correlation stays as it is.
TEST(RuleFixturesTest, AScriptTestsAChainStepThatIsSilentInReplay) {
  auto read = readSigmaText(
      "title: Fail\nid: fail\ndetection: {sel: {k: fail}, condition: sel}\n---\n"
      "title: Ok\nid: ok\ndetection: {sel: {k: ok}, condition: sel}\n---\n"
      "title: Burst\nid: burst\ncorrelation: {type: event_count, rules: [fail], group-by: [u], timespan: 1m, "
      "condition: {gte: 2}}\n---\n"
      "title: Then ok\nid: then-ok\ncorrelation: {type: temporal_ordered, rules: [burst, ok], group-by: [u], "
      "timespan: 5m}\n",
      "c.yml");
  for (const auto& e : read.errors) ADD_FAILURE() << e.toString();
  auto rules = RuleSet::build(std::move(read.rules));
  ASSERT_TRUE(rules.has_value());
  auto compiled = compileCorrelations(std::move(read.correlations), *rules, {});
  for (const auto& e : compiled.errors) ADD_FAILURE() << e.toString();
  ASSERT_EQ(compiled.set->size(), 2u);
  EXPECT_TRUE(compiled.set->correlations()[0].silent);  // burst only feeds then-ok
  ASSERT_EQ(compiled.set->withLoud("burst")->correlations()[0].silent, false);
  EXPECT_TRUE(compiled.set->correlations()[0].silent);  // the original is unchanged
  EXPECT_EQ(compiled.set->withLoud("nope"), nullptr);

  const std::string two_fails =
      "script:\n"
      "  - event: {ts: '2026-11-23T00:00:00Z', fields: {k: fail, u: x}}\n"
      "  - event: {ts: '2026-11-23T00:00:10Z', fields: {k: fail, u: x}}\n";
  auto load = readFixtureText("rule: burst\n" + two_fails + "expect:\n  - {group: {u: x}, event_count: 2}\n"
                              "---\nrule: then-ok\n" + two_fails + "expect: []\n", "t.yaml");
  for (const auto& e : load.errors) ADD_FAILURE() << e.toString();
  correlator::DecoderSet no_decoders;
  auto r = runFixtures(load.fixtures, *rules, no_decoders, kNow, nullptr, compiled.set.get());
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.cases.size(), 2u);
  EXPECT_TRUE(r.cases[0].passed()) << r.cases[0].mismatch;
  EXPECT_EQ(r.cases[0].incidents.size(), 1u);
  EXPECT_TRUE(r.cases[1].passed()) << r.cases[1].mismatch;  // no ok yet: the sequence is incomplete
}

TEST(RuleFixturesTest, LoadedFromTheTestsFoldersOfTheRulesDirectories) {
  testing::TempDir dir;
  const char* fixture = "rule: a\nfire:\n  - event: {fields: {user.name: root}}\n";
  dir.write("a.yml", "title: a\nid: a\ndetection:\n  sel: {user.name: root}\n  condition: sel\n");
  std::filesystem::create_directories(dir.path() / "tests");
  std::filesystem::create_directories(dir.path() / "linux" / "tests");
  dir.write("tests/a.yaml", fixture);
  dir.write("linux/tests/b.yml", fixture);
  dir.write("linux/not_a_fixture.yml", fixture);  // outside tests/: a (bad) rule file, not read here
  dir.write("tests/rule_looking.yml", "title: b\nid: b\ndetection:\n  sel: {user.name: x}\n  condition: sel\n");
  auto fixtures = loadFixtures({dir.path().string(), dir.file("a.yml"), dir.file("missing")});
  EXPECT_EQ(fixtures.files, 3u);
  ASSERT_EQ(fixtures.fixtures.size(), 2u);
  EXPECT_EQ(fixtures.fixtures[0].location.file, dir.file("linux/tests/b.yml"));
  EXPECT_EQ(fixtures.fixtures[1].location.file, dir.file("tests/a.yaml"));
  ASSERT_FALSE(fixtures.errors.empty());
  EXPECT_EQ(fixtures.errors[0].location.file, dir.file("tests/rule_looking.yml"));
  EXPECT_NE(fixtures.errors[0].message.find("unknown key 'title'"), std::string::npos);
}

}  // namespace
}  // namespace hinomi::rules
