// `hinomi rules test` as users run it: fixtures under tests/ folders, FILE:LINE per failed case,
// rules without fixtures, `N passed, M failed` and the exit code.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::runProgram;
using testing::TempDir;

const std::string kSource = HINOMI_SOURCE_DIR;

const char* kRule =
    "title: SSH Root Login\n"
    "id: ssh-root\n"
    "logsource: {product: linux, service: sshd}\n"
    "detection:\n"
    "  sel: {user.name: root, event.outcome: success}\n"
    "  condition: sel\n";

const char* kLine = "<38>Nov 23 10:00:01 web1 sshd[811]: Accepted password for root from 203.0.113.9 port 52113 ssh2";
const char* kNearMiss = "<38>Nov 23 10:00:01 web1 sshd[811]: Failed password for root from 203.0.113.9 port 52113 ssh2";

// A config whose rules are dir/rules and whose decoders are the shipped ones.
std::string writeConfig(const TempDir& dir) {
  std::filesystem::create_directories(dir.path() / "rules" / "tests");
  dir.write("rules/ssh_root.yml", kRule);
  return dir.write("hinomi.yaml", "correlator:\n  rules: [rules]\n  decoders: [" + kSource + "/config/decoders]\n");
}

std::string lastLine(const std::string& out) {
  auto end = out.size() && out.back() == '\n' ? out.size() - 1 : out.size();
  auto start = out.rfind('\n', end ? end - 1 : 0);
  return out.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1));
}

TEST(RulesTestTest, ShippedRulesPassTheirFixtures) {
  TempDir dir;
  auto cfg = dir.write("hinomi.yaml", "correlator:\n  rules: [" + kSource + "/config/rules]\n  decoders: [" +
                                          kSource + "/config/decoders]\n");
  auto r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("rules without fixtures"), std::string::npos) << r.out;
  auto last = lastLine(r.out);
  EXPECT_NE(last.find(" passed, 0 failed"), std::string::npos) << r.out;
  EXPECT_NE(last.rfind("0 passed", 0), 0u) << r.out;  // some cases ran
}

TEST(RulesTestTest, ACorrelationScriptMustRaiseTheIncidentsExpected) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  dir.write("rules/corr.yml", R"(title: Two root logins
id: two-roots
correlation: {type: event_count, rules: [ssh-root], group-by: [source.ip], timespan: 60s, condition: {gte: 2}}
)");
  auto line = [](const char* time, const char* ip) {
    return std::string("  - line: '<38>Nov 23 ") + time + " web1 sshd[811]: Accepted password for root from " + ip +
           " port 5 ssh2'\n";
  };
  std::string script = "script:\n" + line("10:00:00", "192.0.2.1") + line("10:00:10", "192.0.2.2") +
                       line("10:00:20", "192.0.2.1");
  dir.write("rules/tests/corr.yaml", "rule: two-roots\n" + script + "expect:\n  - {group: {source.ip: 192.0.2.1}, event_count: 2}\n");
  auto r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 passed, 0 failed\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rules without fixtures:\n"), std::string::npos) << r.out;  // ssh-root has none

  // A wrong expectation fails with the difference and what was raised.
  auto fixture = dir.write("rules/tests/corr.yaml",
                           "rule: two-roots\n" + script + "expect:\n  - {group: {source.ip: 192.0.2.2}}\n");
  r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(fixture + ":1: FAIL correlation two-roots (Two root logins): incident 1 (line 7): group "
                                 "{\"source.ip\":\"192.0.2.1\"}, expected {\"source.ip\":\"192.0.2.2\"}"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    raised: group={\"source.ip\":\"192.0.2.1\"} event_count=2\n"), std::string::npos) << r.out;

  // A script for a detection rule, and fire cases next to a script, are errors.
  dir.write("rules/tests/corr.yaml", "rule: ssh-root\n" + script + "expect: []\n---\nrule: two-roots\n" + script +
                                          "expect: []\nfire:\n  - line: x\n");
  r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(fixture + ":1:1: error: no loaded correlation rule has id 'ssh-root'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not both"), std::string::npos) << r.out;
}

TEST(RulesTestTest, PassingFixturesExitZero) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  dir.write("rules/tests/ssh_root.yaml", std::string("rule: ssh-root\nfire:\n  - line: '") + kLine +
                                             "'\nno_fire:\n  - line: '" + kNearMiss + "'\n");
  auto r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "2 passed, 0 failed\n");
  r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg, "-v"});
  auto file = dir.file("rules/tests/ssh_root.yaml");
  EXPECT_NE(r.out.find(file + ":3: PASS rule ssh-root (SSH Root Login): fired\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(file + ":5: PASS rule ssh-root (SSH Root Login): did not fire on a near miss\n"),
            std::string::npos) << r.out;
}

TEST(RulesTestTest, FailedCasesAreListedWithTheirLineAndWhatWasDecoded) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  // Swapped: the positive is the near miss and the other way round.
  auto file = dir.write("rules/tests/ssh_root.yaml",
                        std::string("rule: ssh-root\nfire:\n  - line: '") + kNearMiss + "'\nno_fire:\n  - line: '" +
                            kLine + "'\n  - event: {app: sshd, fields: {user.name: alice, event.outcome: success}}\n");
  auto r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(file + ":3: FAIL rule ssh-root (SSH Root Login): expected to fire, did not\n"
                              "    app=sshd decoder=syslog,sshd fields={"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"event.outcome\":\"failure\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(file + ":5: FAIL rule ssh-root (SSH Root Login): fired on a near miss\n"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find(":6: "), std::string::npos) << r.out;  // the passing case is quiet without -v
  EXPECT_EQ(lastLine(r.out), "1 passed, 2 failed");
}

TEST(RulesTestTest, ExtraRulesFoldersAndRulesWithoutFixtures) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  dir.write("rules/tests/ssh_root.yaml", std::string("rule: ssh-root\nfire:\n  - line: '") + kLine + "'\n");
  std::filesystem::create_directories(dir.path() / "extra" / "tests");
  auto b = dir.write("extra/b.yml", "title: b\nid: b\ndetection:\n  sel: {user.name: bob}\n  condition: sel\n");
  auto a = dir.write("extra/a.yml", "title: a\nid: a\ndetection:\n  sel: {user.name: ann}\n  condition: sel\n");
  dir.write("extra/tests/c.yaml", "rule: c\nfire:\n  - event: {fields: {user.name: cat}}\n");
  dir.write("extra/c.yml", "title: c\nid: c\ndetection:\n  sel: {user.name: cat}\n  condition: sel\n");
  auto r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg, "--rules", dir.file("extra")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "rules without fixtures:\n  " + a + ":1: a\n  " + b + ":1: b\n2 passed, 0 failed\n");
  // Without the extra folder its fixture is not loaded.
  r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg});
  EXPECT_EQ(r.out, "1 passed, 0 failed\n");
}

TEST(RulesTestTest, FixtureErrorsAndUnknownRulesFailTheRun) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  auto file = dir.write("rules/tests/ssh_root.yaml",
                        std::string("rule: ssh-root\nfire:\n  - line: '") + kLine +
                            "'\n  - evnt: {}\n---\nrule: no-such-rule\nfire:\n  - line: x\n");
  auto r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(file + ":4:5: error: unknown key 'evnt' in a case (known: line, event)\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(file + ":6:1: error: no loaded rule has id 'no-such-rule'"), std::string::npos) << r.out;
  // The first document was dropped: ssh-root has no fixture left.
  EXPECT_NE(r.out.find("rules without fixtures:\n  " + dir.file("rules/ssh_root.yml") + ":1: ssh-root\n"),
            std::string::npos) << r.out;
  EXPECT_EQ(lastLine(r.out), "0 passed, 0 failed");
}

TEST(RulesTestTest, AFixtureForARefusedRuleFails) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  auto bad = dir.write("rules/bad.yml", "title: bad\nid: bad\ndetection:\n  sel: {f|utf16le: x}\n  condition: sel\n");
  dir.write("rules/tests/ssh_root.yaml", std::string("rule: ssh-root\nfire:\n  - line: '") + kLine + "'\n");
  auto r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;  // a refusal alone is lint's business
  EXPECT_NE(r.out.find(bad + ":4:9: error: "), std::string::npos) << r.out;
  auto fixture = dir.write("rules/tests/bad.yaml", "rule: bad\nfire:\n  - line: x\n");
  r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(fixture + ":1:1: error: no loaded rule has id 'bad'"), std::string::npos) << r.out;
}

TEST(RulesTestTest, ConfigErrorsExitTwo) {
  TempDir dir;
  auto cfg = dir.write("hinomi.yaml", "correlator:\n  rulez: [x]\n");
  auto r = runProgram({HINOMI_BINARY, "rules", "test", "-c", cfg});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(cfg + ":2:3: error:"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hinomi
