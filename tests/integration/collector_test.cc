// The collector as a SOC runs it: `hinomi run` with the default listeners, real senders
// (util-linux `logger`, RFC 3164 and RFC 5424, UDP and octet-counted TCP), then `hinomi bus dump`.
#include <signal.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

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

std::string config(const TempDir& dir) {
  return dir.write("hinomi.yaml", "data_dir: " + dir.file("data") +
                                      "\n"
                                      "http:\n  listen: 127.0.0.1:0\n"
                                      "collector:\n"
                                      "  listeners:\n"
                                      "    - {name: syslog-udp, transport: udp, listen: 127.0.0.1:0, tenant: katsuragi}\n"
                                      "    - name: syslog-tcp\n"
                                      "      transport: tcp\n"
                                      "      listen: 127.0.0.1:0\n"
                                      "      tenant: toyama\n"
                                      "      tenant_by_source: [{cidr: 127.0.0.0/8, tenant: kasama}]\n");
}

int portOf(ChildProcess& p, const std::string& listener) {
  auto line = p.waitForLine("listener=" + listener + " ", 30s, /*from_stderr=*/true);
  if (!line) return -1;
  std::smatch m;
  std::regex re("port=([0-9]+)");
  return std::regex_search(*line, m, re) ? std::stoi(m[1]) : -1;
}

TEST(CollectorTest, LoggerOverUdpAndTcpArrivesOnceWithParsedFields) {
  TempDir dir;
  auto cfg = config(dir);
  {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    int udp = portOf(hinomi, "syslog-udp");
    int tcp = portOf(hinomi, "syslog-tcp");
    ASSERT_GT(udp, 0) << hinomi.stderrText();
    ASSERT_GT(tcp, 0) << hinomi.stderrText();
    ASSERT_TRUE(hinomi.waitForLine("hinomi running.", 30s, true));
    auto send = [](std::vector<std::string> argv) {
      auto r = runProgram(argv);
      EXPECT_EQ(r.exit_code, 0) << r.err;
    };
    const std::string lg = "/usr/bin/logger";
    send({lg, "-n", "127.0.0.1", "-P", std::to_string(udp), "--udp", "--rfc3164", "-t", "sshd", "-p", "auth.warning",
          "Failed password for invalid user admin from 10.20.3.7 port 52144 ssh2"});
    send({lg, "-n", "127.0.0.1", "-P", std::to_string(udp), "--udp", "--rfc5424", "-t", "app5424", "--msgid", "ID47",
          "udp 5424 message"});
    send({lg, "-n", "127.0.0.1", "-P", std::to_string(tcp), "--tcp", "--octet-count", "--rfc5424", "-t", "tcpapp",
          "--sd-id", "origin@32473", "--sd-param", "ip=\"192.0.2.10\"", "octet counted マイナンバー"});
    send({lg, "-n", "127.0.0.1", "-P", std::to_string(tcp), "--tcp", "--rfc3164", "-t", "lfapp", "lf framed"});
    // A clean stop hands everything accepted to the bus before exiting.
    hinomi.signal(SIGTERM);
    auto code = hinomi.wait(60s);
    ASSERT_TRUE(code.has_value());
    ASSERT_EQ(*code, 0) << hinomi.stderrText();
  }
  auto dump = runProgram({HINOMI_BINARY, "bus", "dump", "-c", cfg, "--topic", "hinomi.events"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  std::map<std::string, nlohmann::json> by_app;
  std::istringstream lines(dump.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line);
    auto app = j["value"]["app"].get<std::string>();
    EXPECT_EQ(by_app.count(app), 0u) << "duplicate " << app;
    by_app[app] = j["value"];
    EXPECT_EQ(j["key"], j["value"]["tenant"].get<std::string>() + "|" + j["value"]["host"].get<std::string>());
  }
  ASSERT_EQ(by_app.size(), 4u) << dump.out;
  auto& sshd = by_app["sshd"];
  EXPECT_EQ(sshd["tenant"], "katsuragi");
  EXPECT_EQ(sshd["listener"], "syslog-udp");
  EXPECT_EQ(sshd["facility"], 4);
  EXPECT_EQ(sshd["severity"], 4);
  EXPECT_EQ(sshd["parse_status"], "ok");
  EXPECT_EQ(sshd["message"], "Failed password for invalid user admin from 10.20.3.7 port 52144 ssh2");
  EXPECT_NE(sshd["raw"].get<std::string>().find("sshd"), std::string::npos);
  auto& a5424 = by_app["app5424"];
  EXPECT_EQ(a5424["fields"]["syslog.msgid"], "ID47");
  EXPECT_EQ(a5424["message"], "udp 5424 message");
  auto& tcpapp = by_app["tcpapp"];
  EXPECT_EQ(tcpapp["tenant"], "kasama");  // routed by source CIDR
  EXPECT_EQ(tcpapp["listener"], "syslog-tcp");
  EXPECT_EQ(tcpapp["message"], "octet counted マイナンバー");
  EXPECT_EQ(tcpapp["fields"]["syslog.sd.origin@32473.ip"], "192.0.2.10");
  EXPECT_EQ(by_app["lfapp"]["message"], "lf framed");
}

}  // namespace
}  // namespace hinomi
