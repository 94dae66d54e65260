// The detection stage of `hinomi run`: a syslog line a shipped rule matches becomes exactly one
// incident on hinomi.incidents, and a restart neither loses nor repeats it.
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/child_process.h"
#include "tests/testing/hinomi_run.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::runProgram;
using testing::TempDir;
using testing::metricValue;
using testing::stopRun;
using testing::waitForMetric;
using testing::waitUntilRunning;

const std::string kSource = HINOMI_SOURCE_DIR;

std::string config(const TempDir& dir, const std::string& rules = kSource + "/config/rules") {
  return dir.write("hinomi.yaml", "data_dir: " + dir.file("data") +
                                      "\n"
                                      "http:\n  listen: 127.0.0.1:0\n"
                                      "collector:\n"
                                      "  listeners:\n"
                                      "    - {name: syslog-tcp, transport: tcp, listen: 127.0.0.1:0, tenant: katsuragi}\n"
                                      "correlator:\n"
                                      "  decoders: [" + kSource + "/config/decoders]\n"
                                      "  rules: [" + rules + "]\n");
}

std::vector<nlohmann::json> incidentsOnTheBus(const std::string& cfg) {
  auto dump = runProgram({HINOMI_BINARY, "bus", "dump", "-c", cfg, "--topic", "hinomi.incidents"});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  std::vector<nlohmann::json> out;
  std::istringstream lines(dump.out);
  for (std::string line; std::getline(lines, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(DetectorRunTest, AFailedRootPasswordBecomesOneIncidentAcrossARestart) {
  TempDir dir;
  auto cfg = config(dir);
  {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    auto r = waitUntilRunning(hinomi);
    ASSERT_GT(r.tcp, 0) << hinomi.stderrText();
    ASSERT_GT(r.http, 0) << hinomi.stderrText();
    // The same rules as `hinomi rules lint` loads, none refused.
    auto lint = runProgram({HINOMI_BINARY, "rules", "lint", "--rules", kSource + "/config/rules"});
    std::smatch n;
    ASSERT_TRUE(std::regex_search(lint.out, n, std::regex("([0-9]+) rules loaded, 0 refused"))) << lint.out;
    EXPECT_NE(hinomi.stderrText().find("decoder_errors=0 rules=" + n[1].str() + " refused=0"), std::string::npos)
        << hinomi.stderrText();
    testing::sendSyslogTcp(r.tcp, "sshd", "Failed password for root from 203.0.113.9 port 52113 ssh2");
    ASSERT_TRUE(waitForMetric(r.http, "hinomi_correlator_incidents_published_total", 1)) << hinomi.stderrText();
    EXPECT_EQ(metricValue(r.http, "hinomi_correlator_events_total"), 1);
    EXPECT_EQ(metricValue(r.http, "hinomi_correlator_events_decoded_total"), 1);
    EXPECT_EQ(metricValue(r.http, "hinomi_correlator_rules_loaded") + metricValue(r.http, "hinomi_correlator_correlations_loaded"),
              std::stod(n[1]));
    std::smatch c;
    ASSERT_TRUE(std::regex_search(lint.out, c, std::regex("; ([0-9]+) correlations;"))) << lint.out;
    EXPECT_EQ(metricValue(r.http, "hinomi_correlator_correlations_loaded"), std::stod(c[1]));
    stopRun(hinomi);
  }
  auto incidents = incidentsOnTheBus(cfg);
  ASSERT_EQ(incidents.size(), 1u);
  const auto& v = incidents[0]["value"];
  EXPECT_EQ(incidents[0]["key"], v["id"]);
  EXPECT_EQ(v["rule_id"], "0b7d1f3e-4c2a-4e8b-9d61-5a3f8e2c1d01");
  EXPECT_EQ(v["title"], "SSH Password Authentication Failed");
  EXPECT_EQ(v["tenant"], "katsuragi");
  EXPECT_EQ(v["event_count"], 1);
  EXPECT_EQ(v["fields"]["source.ip"], "203.0.113.9");
  EXPECT_EQ(v["fields"]["user.name"], "root");

  {
    // Restarted: the committed offsets say the first event is done. One new event that no rule
    // matches is read, and only it (events_total 1, not 2), so no incident is repeated.
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    auto r = waitUntilRunning(hinomi);
    ASSERT_GT(r.tcp, 0) << hinomi.stderrText();
    testing::sendSyslogTcp(r.tcp, "sshd", "Accepted publickey for alice from 10.0.0.5 port 52200 ssh2");
    // A batch is observed once committed: by then anything re-read would show in both counts.
    ASSERT_TRUE(waitForMetric(r.http, "hinomi_correlator_batch_duration_seconds_count", 1)) << hinomi.stderrText();
    ASSERT_TRUE(waitForMetric(r.http, "hinomi_correlator_events_total", 1)) << hinomi.stderrText();
    EXPECT_EQ(metricValue(r.http, "hinomi_correlator_events_total"), 1);
    EXPECT_EQ(metricValue(r.http, "hinomi_correlator_incidents_published_total"), 0);
    stopRun(hinomi);
  }
  auto after = incidentsOnTheBus(cfg);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]["value"]["id"], v["id"]);
}

TEST(DetectorRunTest, AnUnreadableRulesDirectoryStopsTheStart) {
  TempDir dir;
  auto cfg = config(dir, dir.file("missing-rules"));
  auto r = runProgram({HINOMI_BINARY, "run", "-c", cfg});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("correlator.rules: " + dir.file("missing-rules") + ": no such directory"), std::string::npos)
      << r.err;
}

TEST(DetectorRunTest, ABadTenantPolicyStopsTheStartWithItsLocation) {
  TempDir dir;
  dir.write("tenants/katsuragi.yaml", "tenant: katsuragi\nmodel: three-tier\nzones:\n  - {name: lgwan, cidrs: [10.20.0.0/99]}\n");
  auto cfg = dir.write("hinomi.yaml", "data_dir: " + dir.file("data") + "\nhttp:\n  listen: 127.0.0.1:0\n" +
                                          "correlator:\n  decoders: [" + kSource + "/config/decoders]\n  rules: [" +
                                          kSource + "/config/rules]\ntenants: [" + dir.file("tenants") + "]\n");
  auto r = runProgram({HINOMI_BINARY, "run", "-c", cfg});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(dir.file("tenants/katsuragi.yaml") + ":4:"), std::string::npos) << r.err;
}

TEST(DetectorRunTest, DisabledItLoadsNoRulesAndRunsTheCollectorAlone) {
  TempDir dir;
  auto cfg = dir.write("hinomi.yaml", "data_dir: " + dir.file("data") +
                                          "\nhttp:\n  listen: 127.0.0.1:0\n"
                                          "correlator:\n  enabled: false\n  rules: [" + dir.file("missing-rules") + "]\n");
  ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
  ASSERT_TRUE(hinomi.waitForLine("hinomi running.", 30s, /*from_stderr=*/true)) << hinomi.stderrText();
  stopRun(hinomi);
  EXPECT_EQ(hinomi.stderrText().find("Detector started"), std::string::npos) << hinomi.stderrText();
}

}  // namespace
}  // namespace hinomi
