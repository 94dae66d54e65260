// The responder killed with SIGKILL at many points of its playbooks, then restarted until every
// case is through: no side effect is lost, and none reaches a receiver under a key it did not
// already have — hinomi repeats only what a kill left in doubt (sent, answer not yet recorded),
// with the same idempotency key, so a receiver that keeps the key applies it once.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/child_process.h"
#include "tests/testing/hinomi_run.h"
#include "tests/testing/sinks.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::ChildProcess;
using testing::runProgram;
using testing::Sink;
using testing::TempDir;
using testing::readFile;

const std::string kSource = HINOMI_SOURCE_DIR;
constexpr int kCases = 8;


std::string setUp(const TempDir& dir, const std::string& hook, int smtp_port) {
  std::filesystem::create_directories(dir.file("tenants"));
  std::filesystem::create_directories(dir.file("playbooks"));
  dir.write("tenants/katsuragi.yaml",
            "tenant: katsuragi\nname: 葛城市\nmodel: none\ncontacts:\n"
            "  - {role: csirt, name: CSIRT, email: csirt@katsuragi.example.lg.jp, webhook: \"" + hook + "/hook\"}\n");
  dir.write("effect.sh", "#!/bin/sh\nprintf '%s\\n' \"$HINOMI_IDEMPOTENCY_KEY\" >> \"$(dirname \"$0\")/effects.log\"\n");
  std::filesystem::permissions(dir.file("effect.sh"), std::filesystem::perms::owner_all);
  // No approval gate: the actions follow the notification at once (the loader warns; accepted).
  dir.write("playbooks/pbk.yaml",
            "playbook: pbk\ntitle: 試験\nmatch: {tags: [hinomi.playbook.pb3], levels: [critical, high, medium]}\n"
            "case: {group_by: [user.name], window: 1h}\ncontacts: [csirt]\n"
            "steps:\n"
            "  - {id: tell, phase: 連絡, kind: notify, to: [csirt], channels: [email, webhook]}\n"
            "  - {id: keep, phase: 証拠保全, kind: evidence}\n"
            "  - id: block\n    phase: 被害拡大の防止\n    kind: action\n    after: [tell]\n"
            "    target: \"{{fields.user.name}}\"\n"
            "    http: {method: POST, url: \"" + hook + "/block\", body: {user: \"{{fields.user.name}}\"}}\n"
            "  - id: lock\n    phase: 被害拡大の防止\n    kind: action\n    after: [block]\n"
            "    target: \"{{fields.user.name}}\"\n"
            "    program: {argv: [" + dir.file("effect.sh") + "]}\n"
            "  - {id: report, phase: 再発防止, kind: report, after: [lock]}\n"
            "recurrence_prevention:\n  - {id: cause, label: 原因}\n");
  return dir.write("hinomi.yaml", "data_dir: " + dir.file("data") +
                                      "\nhttp:\n  listen: 127.0.0.1:0\n"
                                      "collector:\n  listeners:\n"
                                      "    - {name: syslog-tcp, transport: tcp, listen: 127.0.0.1:0, tenant: katsuragi}\n"
                                      "correlator:\n  decoders: [" + kSource + "/config/decoders]\n"
                                      "  rules: [" + kSource + "/config/rules]\n"
                                      "tenants: [" + dir.file("tenants") + "]\n"
                                      "playbooks: [" + dir.file("playbooks") + "]\n"
                                      "responder:\n  workers: 4\n  retry_initial_ms: 100\n"
                                      "  smtp: {url: \"smtp://127.0.0.1:" + std::to_string(smtp_port) + "\"}\n");
}

// The cases as `hinomi cases list --json` sees them (read-only, beside a running hinomi).
std::vector<nlohmann::json> cases(const std::string& cfg) {
  auto r = runProgram({HINOMI_BINARY, "cases", "list", "-c", cfg, "--json"});
  std::vector<nlohmann::json> out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) out.push_back(nlohmann::json::parse(line, nullptr, false));
  return out;
}

bool allThrough(const std::string& cfg) {
  auto all = cases(cfg);
  if (all.size() != size_t(kCases)) return false;
  for (const auto& c : all)
    for (const char* step : {"tell", "keep", "block", "lock", "report"})
      if (!c.contains("steps") || !c["steps"].contains(step) || c["steps"][step]["state"] != "done") return false;
  return true;
}

TEST(ResponderCrashTest, SigkillAtManyPointsLosesNoSideEffectAndRepeatsNoneUnderANewKey) {
  if (!testing::haveAiosmtpd()) GTEST_SKIP() << "python3-aiosmtpd is not installed (ops/install-deps.sh --test)";
  TempDir dir;
  Sink smtp(dir.file("smtp"), "smtp_sink.py");
  // Each webhook is recorded, then answered 0.15 s later: kills land between the two as well.
  Sink hook(dir.file("hook"), "webhook_sink.py", {"--delay", "0.15"});
  ASSERT_GT(smtp.port(), 0) << smtp.log();
  ASSERT_GT(hook.port(), 0) << hook.log();
  const std::string cfg = setUp(dir, hook.url(), smtp.port());

  std::mt19937 rng(20261206);
  int kills = 0;
  {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    auto r = testing::waitUntilRunning(hinomi);
    ASSERT_GT(r.tcp, 0) << hinomi.stderrText();
    for (int i = 0; i < kCases; ++i)
      testing::sendSyslogTcp(r.tcp, "sshd",
                             "Failed password for invalid user user" + std::to_string(i) + " from 203.0.113.9 port 5002" +
                                 std::to_string(i) + " ssh2");
    // Every case opened (the lines are safe on disk), then killed somewhere in its playbooks.
    ASSERT_TRUE(testing::waitForMetric(r.http, "hinomi_responder_incidents_total{outcome=\"opened\"}", kCases))
        << hinomi.stderrText();
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 300)(rng)));
    hinomi.signal(SIGKILL);
    hinomi.wait(std::chrono::seconds(10));
    ++kills;
  }
  // Restarted and killed again at random points until every case is through.
  for (int round = 0; round < 40 && !allThrough(cfg); ++round) {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    auto r = testing::waitUntilRunning(hinomi);
    ASSERT_GT(r.http, 0) << hinomi.stderrText();
    if (round < 12) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 700)(rng)));
      hinomi.signal(SIGKILL);
      hinomi.wait(std::chrono::seconds(10));
      ++kills;
      continue;
    }
    for (int i = 0; i < 600 && !allThrough(cfg); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    testing::stopRun(hinomi);
  }
  ASSERT_TRUE(allThrough(cfg)) << "not every case finished its playbook";

  // What each receiver saw, by idempotency key.
  std::map<std::string, int> seen;
  for (const auto& q : hook.records()) seen[q["headers"].value("idempotency-key", "(none)")] += 1;
  for (const auto& m : smtp.records()) seen[testing::mailHeader(m["data"], "X-Hinomi-Idempotency-Key")] += 1;
  std::istringstream runs(readFile(dir.file("effects.log")));
  for (std::string key; std::getline(runs, key);) seen[key] += 1;

  std::set<std::string> expected;
  for (const auto& c : cases(cfg)) {
    const std::string id = c["id"];
    for (const char* suffix : {":tell:email:csirt:0", ":tell:webhook:csirt:0", ":block", ":lock"}) expected.insert(id + suffix);
  }
  ASSERT_EQ(expected.size(), size_t(kCases) * 4);
  std::set<std::string> keys;
  int repeats = 0;
  for (const auto& [key, n] : seen) {
    keys.insert(key);
    repeats += n - 1;
  }
  // None lost, none under a key of its own (a new request rather than the same one again).
  EXPECT_EQ(keys, expected);
  // Repeats come only from what a kill left in doubt: at most one per worker per kill.
  EXPECT_LE(repeats, 4 * kills);
  std::cout << "kills: " << kills << ", side effects: " << expected.size() << ", repeated under the same key: "
            << repeats << "\n";

  auto verify = runProgram({HINOMI_BINARY, "audit", "verify", "-c", cfg});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace hinomi
