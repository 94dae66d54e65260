// The responder's intake in `hinomi run`: incidents raised from syslog become cases (the playbook
// their rule's tags select, joined by the playbook's group), visible with `hinomi cases list`, and
// a restart neither loses nor repeats them.
#include <signal.h>

#include <regex>
#include <sstream>
#include <thread>

#include <httplib.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::runProgram;
using testing::TempDir;

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

// The value of hinomi_responder_incidents_total{outcome="…"}; 0 when absent, -1 when unreachable.
double outcomes(int http_port, const std::string& outcome) {
  auto res = httplib::Client("127.0.0.1", http_port).Get("/metrics");
  if (!res) return -1;
  std::smatch m;
  if (!std::regex_search(res->body, m, std::regex("\nhinomi_responder_incidents_total\\{outcome=\"" + outcome +
                                                   "\"\\} ([0-9.e+]+)\n")))
    return 0;
  return std::stod(m[1]);
}

bool waitFor(int http_port, const std::string& outcome, double at_least) {
  for (auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;) {
    if (outcomes(http_port, outcome) >= at_least) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

struct Running {
  int tcp = -1;
  int http = -1;
};

Running start(ChildProcess& p) {
  Running r;
  auto listener = p.waitForLine("listener=syslog-tcp ", 30s, /*from_stderr=*/true);
  std::smatch m;
  if (listener && std::regex_search(*listener, m, std::regex("port=([0-9]+)"))) r.tcp = std::stoi(m[1]);
  auto http = p.waitForLine("HTTP server listening address=", 30s, true);
  if (http) r.http = std::stoi(http->substr(http->rfind(':') + 1));
  if (!p.waitForLine("hinomi running.", 30s, true)) r.http = -1;
  return r;
}

void sendSshd(int port, const std::string& message) {
  auto r = runProgram({"/usr/bin/logger", "-n", "127.0.0.1", "-P", std::to_string(port), "--tcp", "--rfc3164", "-t",
                       "sshd", "-p", "auth.info", message});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

void stop(ChildProcess& p) {
  p.signal(SIGTERM);
  auto code = p.wait(60s);
  ASSERT_TRUE(code.has_value());
  ASSERT_EQ(*code, 0) << p.stderrText();
}

TEST(ResponderIntakeTest, IncidentsFromSyslogBecomeOneCaseAcrossARestart) {
  TempDir dir;
  auto cfg = config(dir);
  {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    auto r = start(hinomi);
    ASSERT_GT(r.tcp, 0) << hinomi.stderrText();
    ASSERT_GT(r.http, 0) << hinomi.stderrText();
    EXPECT_NE(hinomi.stderrText().find("Responder started. playbooks=8 refused_files=0"), std::string::npos)
        << hinomi.stderrText();
    // Each line raises "SSH Login Attempt for a Non-Existent User" (medium, PB3, grouped by the
    // account) and "SSH Password Authentication Failed" (low: no playbook takes it).
    sendSshd(r.tcp, "Failed password for invalid user oracle from 203.0.113.9 port 50022 ssh2");
    ASSERT_TRUE(waitFor(r.http, "opened", 1)) << hinomi.stderrText();
    sendSshd(r.tcp, "Failed password for invalid user oracle from 203.0.113.9 port 50023 ssh2");
    ASSERT_TRUE(waitFor(r.http, "joined", 1)) << hinomi.stderrText();
    ASSERT_TRUE(waitFor(r.http, "no_playbook", 2)) << hinomi.stderrText();
    EXPECT_EQ(outcomes(r.http, "opened"), 1);
    EXPECT_EQ(outcomes(r.http, "duplicate"), 0);
    stop(hinomi);
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
  EXPECT_EQ(cases[0]["timeline"].size(), 2u);

  // A restart reads nothing again (the offsets were committed after the cases were stored) and a
  // third attempt joins the same case.
  {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    auto r = start(hinomi);
    ASSERT_GT(r.tcp, 0) << hinomi.stderrText();
    sendSshd(r.tcp, "Failed password for invalid user oracle from 203.0.113.9 port 50024 ssh2");
    ASSERT_TRUE(waitFor(r.http, "joined", 1)) << hinomi.stderrText();
    EXPECT_EQ(outcomes(r.http, "opened"), 0);
    EXPECT_EQ(outcomes(r.http, "duplicate"), 0);
    stop(hinomi);
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
