// A `transport: file` listener in `hinomi run`: lines appended to a file reach the bus once each,
// parsed, across a clean restart (the position is kept under data_dir/tail/).
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
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

std::string config(const TempDir& dir) {
  return dir.write("hinomi.yaml", "data_dir: " + dir.file("data") +
                                      "\n"
                                      "http:\n  listen: 127.0.0.1:0\n"
                                      "collector:\n"
                                      "  listeners:\n"
                                      "    - name: auth-log\n"
                                      "      transport: file\n"
                                      "      path: " + dir.file("auth.log") + "\n"
                                      "      poll_interval_ms: 20\n"
                                      "      tenant: katsuragi\n");
}

void appendLines(const std::string& path, int from, int to) {
  std::ofstream out(path, std::ios::app);
  for (int i = from; i <= to; ++i)
    out << "<38>Nov 23 14:55:01 web1 sshd[4242]: Accepted password for user" << i << " from 10.0.0.1 port 22 ssh2\n";
}

// hinomi_collector_received_total of the listener, from /metrics.
int received(int http_port) {
  httplib::Client client("127.0.0.1", http_port);
  auto res = client.Get("/metrics");
  if (!res) return -1;
  std::smatch m;
  std::regex re("hinomi_collector_received_total\\{listener=\"auth-log\"\\} ([0-9]+)");
  return std::regex_search(res->body, m, re) ? std::stoi(m[1]) : 0;
}

bool waitForReceived(int http_port, int n) {
  for (auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;) {
    if (received(http_port) >= n) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// Starts `hinomi run`, waits until it is running; returns its HTTP port.
int startHinomi(ChildProcess& hinomi) {
  auto line = hinomi.waitForLine("HTTP server listening address=", 30s, /*from_stderr=*/true);
  if (!line || !hinomi.waitForLine("hinomi running.", 30s, true)) return -1;
  return std::stoi(line->substr(line->rfind(':') + 1));
}

void stopHinomi(ChildProcess& hinomi) {
  hinomi.signal(SIGTERM);
  auto code = hinomi.wait(60s);
  ASSERT_TRUE(code.has_value());
  ASSERT_EQ(*code, 0) << hinomi.stderrText();
}

// message → how many times it is on the bus; every event checked for its parsed fields.
std::map<std::string, int> messagesOnTheBus(const std::string& cfg) {
  auto dump = runProgram({HINOMI_BINARY, "bus", "dump", "-c", cfg, "--topic", "hinomi.events"});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  std::map<std::string, int> count;
  std::istringstream lines(dump.out);
  for (std::string line; std::getline(lines, line);) {
    auto v = nlohmann::json::parse(line)["value"];
    EXPECT_EQ(v["listener"], "auth-log");
    EXPECT_EQ(v["tenant"], "katsuragi");
    EXPECT_EQ(v["host"], "web1");
    EXPECT_EQ(v["app"], "sshd");
    EXPECT_EQ(v["facility"], 4);
    EXPECT_EQ(v["severity"], 6);
    EXPECT_EQ(v["parse_status"], "ok");
    ++count[v["message"].get<std::string>()];
  }
  return count;
}

std::map<std::string, int> expectedOnce(int n) {
  std::map<std::string, int> m;
  for (int i = 1; i <= n; ++i) m["Accepted password for user" + std::to_string(i) + " from 10.0.0.1 port 22 ssh2"] = 1;
  return m;
}

TEST(FileTailTest, AppendedLinesArriveOnceAcrossARestart) {
  TempDir dir;
  auto cfg = config(dir);
  const std::string log = dir.file("auth.log");
  appendLines(log, 1, 3);  // there before the first start: read from the beginning
  {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    int port = startHinomi(hinomi);
    ASSERT_GT(port, 0) << hinomi.stderrText();
    ASSERT_TRUE(waitForReceived(port, 3)) << hinomi.stderrText();
    appendLines(log, 4, 5);
    ASSERT_TRUE(waitForReceived(port, 5)) << hinomi.stderrText();
    stopHinomi(hinomi);
  }
  EXPECT_EQ(messagesOnTheBus(cfg), expectedOnce(5));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data" / "tail" / "auth-log.pos"));

  appendLines(log, 6, 7);  // written while hinomi is stopped
  {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    int port = startHinomi(hinomi);
    ASSERT_GT(port, 0) << hinomi.stderrText();
    ASSERT_TRUE(waitForReceived(port, 2)) << hinomi.stderrText();
    appendLines(log, 8, 8);
    ASSERT_TRUE(waitForReceived(port, 3)) << hinomi.stderrText();
    std::this_thread::sleep_for(200ms);  // a duplicate would show in the counter by now
    EXPECT_EQ(received(port), 3);
    stopHinomi(hinomi);
  }
  EXPECT_EQ(messagesOnTheBus(cfg), expectedOnce(8));
}

TEST(FileTailTest, KillNineMayRepeatLinesButLosesNone) {
  TempDir dir;
  auto cfg = config(dir);
  const std::string log = dir.file("auth.log");
  appendLines(log, 1, 20);
  {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    int port = startHinomi(hinomi);
    ASSERT_GT(port, 0) << hinomi.stderrText();
    ASSERT_TRUE(waitForReceived(port, 20)) << hinomi.stderrText();
    appendLines(log, 21, 30);
    ASSERT_TRUE(waitForReceived(port, 30)) << hinomi.stderrText();
    hinomi.signal(SIGKILL);
    ASSERT_TRUE(hinomi.wait(30s).has_value());
  }
  appendLines(log, 31, 35);
  {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    int port = startHinomi(hinomi);
    ASSERT_GT(port, 0) << hinomi.stderrText();
    // Lines since the last saved position come again, then 31..35: wait until reading settles.
    ASSERT_TRUE(waitForReceived(port, 5)) << hinomi.stderrText();
    for (int last = -1, now; (now = received(port)) != last;) {
      last = now;
      std::this_thread::sleep_for(500ms);
    }
    stopHinomi(hinomi);
  }
  auto on_bus = messagesOnTheBus(cfg);
  for (const auto& [message, once] : expectedOnce(35)) EXPECT_GE(on_bus[message], 1) << message;
  EXPECT_EQ(on_bus.size(), 35u);
}

}  // namespace
}  // namespace hinomi
