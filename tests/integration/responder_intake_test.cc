// The responder's intake in `hinomi run`: incidents raised from syslog become cases (the playbook
// their rule's tags select, joined by the playbook's group), visible with `hinomi cases list`, and
// a restart neither loses nor repeats them.
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/child_process.h"
#include "tests/testing/hinomi_run.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::ChildProcess;
using testing::runProgram;
using testing::TempDir;
using testing::metricValue;
using testing::sendSyslogTcp;
using testing::stopRun;
using testing::waitForMetric;
using testing::waitUntilRunning;

const std::string kSource = HINOMI_SOURCE_DIR;

std::string config(const TempDir& dir) {
  return dir.write("hinomi.yaml", "data_dir: " + dir.file("data") +
                                      "\n"
                                      "http:\n  listen: 127.0.0.1:0\n"
                                      "collector:\n"
                                      "  listeners:\n"
                                      "    - {name: syslog-tcp, transport: tcp, listen: 127.0.0.1:0, tenant: katsuragi}\n"
                                      "correlator:\n"
                                      "  decoders: [" + kSource + "/config/decoders]\n"
                                      "  rules: [" + kSource + "/config/rules]\n"
                                      "tenants: [" + kSource + "/config/tenants]\n"
                                      "playbooks: [" + kSource + "/config/playbooks]\n");
}

// hinomi_responder_incidents_total{outcome="…"}: 0 while no incident had that outcome.
std::string outcome(const std::string& name) { return "hinomi_responder_incidents_total{outcome=\"" + name + "\"}"; }
double outcomes(int http_port, const std::string& name) { return metricValue(http_port, outcome(name), 0); }
bool waitFor(int http_port, const std::string& name, double at_least) {
  return waitForMetric(http_port, outcome(name), at_least);
}

TEST(ResponderIntakeTest, IncidentsFromSyslogBecomeOneCaseAcrossARestart) {
  TempDir dir;
  auto cfg = config(dir);
  {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    auto r = waitUntilRunning(hinomi);
    ASSERT_GT(r.tcp, 0) << hinomi.stderrText();
    ASSERT_GT(r.http, 0) << hinomi.stderrText();
    EXPECT_NE(hinomi.stderrText().find("Responder started. playbooks=8 refused_files=0"), std::string::npos)
        << hinomi.stderrText();
    // Each line raises "SSH Login Attempt for a Non-Existent User" (medium, PB3, grouped by the
    // account) and "SSH Password Authentication Failed" (low: no playbook takes it).
    sendSyslogTcp(r.tcp, "sshd", "Failed password for invalid user oracle from 203.0.113.9 port 50022 ssh2");
    ASSERT_TRUE(waitFor(r.http, "opened", 1)) << hinomi.stderrText();
    sendSyslogTcp(r.tcp, "sshd", "Failed password for invalid user oracle from 203.0.113.9 port 50023 ssh2");
    ASSERT_TRUE(waitFor(r.http, "joined", 1)) << hinomi.stderrText();
    ASSERT_TRUE(waitFor(r.http, "no_playbook", 2)) << hinomi.stderrText();
    EXPECT_EQ(outcomes(r.http, "opened"), 1);
    EXPECT_EQ(outcomes(r.http, "duplicate"), 0);
    stopRun(hinomi);
  }
  auto listCases = [&] {
    auto r = runProgram({HINOMI_BINARY, "cases", "list", "-c", cfg, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<nlohmann::json> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  };
  auto cases = listCases();
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0]["tenant"], "katsuragi");
  EXPECT_EQ(cases[0]["playbook"], "pb3");
  EXPECT_EQ(cases[0]["level"], "medium");
  EXPECT_EQ(cases[0]["group"], nlohmann::json({{"user.name", "oracle"}}));
  EXPECT_EQ(cases[0]["incident_ids"].size(), 2u);
  int incident_entries = 0;
  for (const auto& t : cases[0]["timeline"]) incident_entries += t["kind"] == "incident";
  EXPECT_EQ(incident_entries, 2);

  // A restart reads nothing again (the offsets were committed after the cases were stored) and a
  // third attempt joins the same case.
  {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    auto r = waitUntilRunning(hinomi);
    ASSERT_GT(r.tcp, 0) << hinomi.stderrText();
    sendSyslogTcp(r.tcp, "sshd", "Failed password for invalid user oracle from 203.0.113.9 port 50024 ssh2");
    ASSERT_TRUE(waitFor(r.http, "joined", 1)) << hinomi.stderrText();
    EXPECT_EQ(outcomes(r.http, "opened"), 0);
    EXPECT_EQ(outcomes(r.http, "duplicate"), 0);
    stopRun(hinomi);
  }
  cases = listCases();
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0]["incident_ids"].size(), 3u);

  auto plain = runProgram({HINOMI_BINARY, "cases", "list", "-c", cfg, "--tenant", "shunan"});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out, "0 cases\n");
}

}  // namespace
}  // namespace hinomi
