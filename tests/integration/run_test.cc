// `hinomi run` as users start it: serves /metrics, shuts down cleanly on SIGTERM and SIGINT.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <gtest/gtest.h>

#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::TempDir;

std::string testConfig(const TempDir& dir) {
  return dir.write("hinomi.yaml", "data_dir: " + dir.file("data") +
                                      "\nlog:\n  level: info\nhttp:\n  listen: 127.0.0.1:0\n");
}

int portFromLog(const std::string& line) {
  auto at = line.rfind(':');
  return at == std::string::npos ? -1 : std::stoi(line.substr(at + 1));
}

class RunTest : public ::testing::TestWithParam<int> {};

TEST_P(RunTest, ServesMetricsAndStopsCleanlyOnSignal) {
  TempDir dir;
  ChildProcess hinomi({HINOMI_BINARY, "run", "-c", testConfig(dir)});
  auto line = hinomi.waitForLine("HTTP server listening address=", 30s, /*from_stderr=*/true);
  ASSERT_TRUE(line) << hinomi.stderrText();
  int port = portFromLog(*line);
  ASSERT_GT(port, 0);
  ASSERT_TRUE(hinomi.waitForLine("hinomi running.", 30s, true)) << hinomi.stderrText();

  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res) << "no answer from /metrics";
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("hinomi_build_info{version=\""), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("hinomi_process_start_time_seconds"), std::string::npos);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  hinomi.signal(GetParam());
  auto code = hinomi.wait(30s);
  ASSERT_TRUE(code) << "did not stop within 30 s";
  EXPECT_EQ(*code, 0) << hinomi.stderrText();
  EXPECT_NE(hinomi.stderrText().find("Stopped cleanly."), std::string::npos);
  // The embedded bus was created under data_dir and closed (its LOCK released): opening works.
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data" / "bus" / "CURRENT"));
}

INSTANTIATE_TEST_SUITE_P(Signals, RunTest, ::testing::Values(SIGTERM, SIGINT),
                         [](const auto& info) { return info.param == SIGTERM ? "SIGTERM" : "SIGINT"; });

TEST(RunTest, RefusesABadConfigWithExitCode2) {
  TempDir dir;
  auto cfg = dir.write("bad.yaml", "http:\n  listen: nowhere\n");
  auto r = testing::runProgram({HINOMI_BINARY, "run", "-c", cfg});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(cfg + ":2:11: error: http.listen"), std::string::npos) << r.err;
}

TEST(RunTest, ReportsAPortInUse) {
  TempDir dir;
  // A listening socket holds the port (a merely bound one would not stop SO_REUSEADDR).
  int blocker = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(blocker, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(blocker, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(blocker, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  auto cfg = dir.write("hinomi.yaml", "data_dir: " + dir.file("data") + "\nhttp:\n  listen: 127.0.0.1:" +
                                          std::to_string(port) + "\n");
  auto r = testing::runProgram({HINOMI_BINARY, "run", "-c", cfg});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Cannot start the HTTP server"), std::string::npos) << r.err;
  close(blocker);
}

}  // namespace
}  // namespace hinomi
