#include "tests/testing/hinomi_run.h"

#include <signal.h>

#include <chrono>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

namespace hinomi::testing {

using namespace std::chrono_literals;

RunPorts waitUntilRunning(ChildProcess& p) {
  RunPorts r;
  auto listener = p.waitForLine("listener=syslog-tcp ", 30s, /*from_stderr=*/true);
  std::smatch m;
  if (listener && std::regex_search(*listener, m, std::regex("port=([0-9]+)"))) r.tcp = std::stoi(m[1]);
  auto http = p.waitForLine("HTTP server listening address=", 30s, true);
  if (http) r.http = std::stoi(http->substr(http->rfind(':') + 1));
  if (!p.waitForLine("hinomi running.", 30s, true)) r.http = -1;
  return r;
}

void sendSyslogTcp(int port, const std::string& tag, const std::string& message) {
  auto r = runProgram({"/usr/bin/logger", "-n", "127.0.0.1", "-P", std::to_string(port), "--tcp", "--rfc3164", "-t",
                       tag, "-p", "auth.info", message});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

double metricValue(int http_port, const std::string& series, double missing) {
  auto res = httplib::Client("127.0.0.1", http_port).Get("/metrics");
  if (!res) return -1;
  // The series name is matched literally: escape what regex treats specially ({ } . + …).
  std::string quoted;
  for (char c : series) {
    if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) quoted.push_back('\\');
    quoted.push_back(c);
  }
  std::smatch m;
  if (!std::regex_search(res->body, m, std::regex("\n" + quoted + " ([0-9.e+]+)\n"))) return missing;
  return std::stod(m[1]);
}

bool waitForMetric(int http_port, const std::string& series, double at_least) {
  for (auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;) {
    if (metricValue(http_port, series) >= at_least) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

void stopRun(ChildProcess& p) {
  p.signal(SIGTERM);
  auto code = p.wait(60s);
  ASSERT_TRUE(code.has_value());
  ASSERT_EQ(*code, 0) << p.stderrText();
}

}  // namespace hinomi::testing
