// A real relay in front of hinomi: numbered messages go into `rsyslogd` (imtcp), which forwards
// them with omfwd to `hinomi run` — octet-counted TCP (RFC 6587) and TLS with client certificates
// (RFC 5425, rsyslog's ossl driver) — and `hinomi bus dump` must hold each exactly once, intact.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

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
#include "tests/testing/test_certs.h"

namespace hinomi {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::runProgram;
using testing::TempDir;

constexpr int kMessages = 2000;
const char* const kRsyslogd = "/usr/sbin/rsyslogd";

// A loopback port nobody listens on now (rsyslog's imtcp wants a number, not 0).
int freePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

int connectWithin(int port, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    close(fd);
    std::this_thread::sleep_for(100ms);
  }
  return -1;
}

int portIn(const std::string& line) {
  std::smatch m;
  static const std::regex re("port=([0-9]+)");
  return std::regex_search(line, m, re) ? std::stoi(m[1]) : -1;
}

// The message text of number i: distinct, and with non-ASCII to show it arrives byte for byte.
std::string text(int i) {
  char num[8];
  std::snprintf(num, sizeof num, "%05d", i);
  return std::string("relayed message ") + num + " ログイン失敗 user=admin";
}

double receivedTotal(int http_port, const std::string& listener) {
  httplib::Client client("127.0.0.1", http_port);
  auto res = client.Get("/metrics");
  if (!res) return -1;
  const std::string series = "hinomi_collector_received_total{listener=\"" + listener + "\"} ";
  auto at = res->body.find(series);
  return at == std::string::npos ? 0 : std::stod(res->body.substr(at + series.size()));
}

struct Transport {
  std::string name;       // also the listener's name
  bool tls;
};

// Readable test names in ctest ("relay-tls" instead of the parameter's bytes).
void PrintTo(const Transport& t, std::ostream* os) { *os << t.name; }

class RsyslogForwardTest : public ::testing::TestWithParam<Transport> {};

TEST_P(RsyslogForwardTest, EveryMessageArrivesOnceIntactWithParsedFields) {
  const Transport t = GetParam();
  TempDir dir;
  auto made = testing::makeTestCerts(dir);
  ASSERT_EQ(made.error, "");
  const auto& certs = made.certs;

  // format rfc5424: RSYSLOG_SyslogProtocol23Format must parse as RFC 5424, not by detection.
  std::string listener =
      "    - name: " + t.name + "\n      listen: 127.0.0.1:0\n      tenant: relay\n      format: rfc5424\n";
  if (t.tls)
    listener += "      transport: tls\n      tls:\n        cert_file: " + certs.server_cert +
                "\n        key_file: " + certs.server_key + "\n        ca_file: " + certs.ca + "\n";
  else
    listener += "      transport: tcp\n";
  const std::string cfg = dir.write("hinomi.yaml", "data_dir: " + dir.file("data") +
                                                       "\nhttp:\n  listen: 127.0.0.1:0\n"
                                                       "collector:\n  listeners:\n" +
                                                       listener);
  {
    ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
    auto listening = hinomi.waitForLine("listener=" + t.name + " ", 30s, /*from_stderr=*/true);
    ASSERT_TRUE(listening) << hinomi.stderrText();
    const int hinomi_port = portIn(*listening);
    ASSERT_NE(listening->find(t.tls ? "transport=tls" : "transport=tcp"), std::string::npos) << *listening;
    auto http = hinomi.waitForLine("HTTP server listening address=", 30s, true);
    ASSERT_TRUE(http) << hinomi.stderrText();
    const int http_port = std::stoi(http->substr(http->rfind(':') + 1));
    ASSERT_TRUE(hinomi.waitForLine("hinomi running.", 30s, true)) << hinomi.stderrText();

    // rsyslog as an unprivileged relay: its own work directory, no system sockets or kernel log.
    const int rsyslog_port = freePort();
    std::filesystem::create_directories(dir.path() / "rsyslog");
    std::string rs = "global(workDirectory=\"" + dir.file("rsyslog") + "\"";
    if (t.tls)
      rs += "\n  defaultNetstreamDriverCAFile=\"" + certs.ca + "\"\n  defaultNetstreamDriverCertFile=\"" +
            certs.client_cert + "\"\n  defaultNetstreamDriverKeyFile=\"" + certs.client_key + "\"";
    rs += ")\nmodule(load=\"imtcp\")\n";
    rs += "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + std::to_string(rsyslog_port) + "\")\n";
    rs += "if $programname == \"relaytest\" then {\n  action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" +
          std::to_string(hinomi_port) +
          "\" protocol=\"tcp\" TCP_Framing=\"octet-counted\"\n"
          "         template=\"RSYSLOG_SyslogProtocol23Format\"\n";
    if (t.tls) rs += "         StreamDriver=\"ossl\" StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/certvalid\"\n";
    rs += "         queue.type=\"LinkedList\" action.resumeRetryCount=\"-1\" action.resumeInterval=\"1\")\n}\n";
    const std::string rs_conf = dir.write("rsyslog.conf", rs);
    ChildProcess rsyslog({kRsyslogd, "-n", "-f", rs_conf, "-i", dir.file("rsyslog.pid")});

    int fd = connectWithin(rsyslog_port, 30s);
    ASSERT_GE(fd, 0) << "rsyslogd did not listen on " << rsyslog_port << ": " << rsyslog.stderrText()
                     << rsyslog.stdoutText();
    std::string all;
    for (int i = 0; i < kMessages; ++i)
      all += "<134>1 2026-03-04T05:06:07.123456+09:00 web-01.example.lg.jp relaytest 4242 LOGIN - " + text(i) + "\n";
    for (size_t off = 0; off < all.size();) {
      ssize_t n = write(fd, all.data() + off, all.size() - off);
      ASSERT_GT(n, 0);
      off += size_t(n);
    }
    close(fd);

    // rsyslog queues and retries; give it time, then say how far it got.
    auto deadline = std::chrono::steady_clock::now() + 120s;
    double got = 0;
    while (std::chrono::steady_clock::now() < deadline && (got = receivedTotal(http_port, t.name)) < kMessages)
      std::this_thread::sleep_for(200ms);
    ASSERT_GE(got, kMessages) << "rsyslog delivered " << got << " of " << kMessages << " in 120 s\n--- hinomi:\n"
                              << hinomi.stderrText() << "\n--- rsyslogd:\n"
                              << rsyslog.stderrText() << rsyslog.stdoutText();

    rsyslog.signal(SIGTERM);
    EXPECT_TRUE(rsyslog.wait(30s)) << "rsyslogd did not stop";
    hinomi.signal(SIGTERM);
    auto code = hinomi.wait(60s);
    ASSERT_TRUE(code.has_value());
    ASSERT_EQ(*code, 0) << hinomi.stderrText();
    EXPECT_EQ(hinomi.stderrText().find("TLS handshake failed"), std::string::npos) << hinomi.stderrText();
  }

  auto dump = runProgram({HINOMI_BINARY, "bus", "dump", "-c", cfg, "--topic", "hinomi.events"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  std::map<std::string, int> seen;
  std::istringstream lines(dump.out);
  int events = 0;
  for (std::string line; std::getline(lines, line); ++events) {
    auto v = nlohmann::json::parse(line)["value"];
    EXPECT_EQ(v["listener"], t.name);
    EXPECT_EQ(v["tenant"], "relay");
    EXPECT_EQ(v["app"], "relaytest") << line;
    EXPECT_EQ(v["host"], "web-01.example.lg.jp") << line;
    EXPECT_EQ(v["ts"], "2026-03-03T20:06:07.123456Z") << line;  // the sender's time, zone applied
    EXPECT_EQ(v["parse_status"], "ok") << line;
    EXPECT_EQ(v["facility"], 16);
    EXPECT_EQ(v["severity"], 6);
    EXPECT_EQ(v["fields"]["syslog.msgid"], "LOGIN") << line;
    ++seen[v["message"].get<std::string>()];
  }
  EXPECT_EQ(events, kMessages);
  for (int i = 0; i < kMessages; ++i) {
    auto it = seen.find(text(i));
    if (it == seen.end()) ADD_FAILURE() << "missing: " << text(i);
    else if (it->second != 1) ADD_FAILURE() << it->second << " times: " << text(i);
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, RsyslogForwardTest,
                         ::testing::Values(Transport{"relay-tcp", false}, Transport{"relay-tls", true}),
                         [](const auto& info) { return info.param.tls ? "Tls" : "OctetCountedTcp"; });

// A listener whose certificate cannot be loaded stops `hinomi run` at start, naming the listener
// and OpenSSL's reason.
TEST(TlsListenerRunTest, UnloadableCertificateFailsRunNamingTheListener) {
  TempDir dir;
  auto made = testing::makeTestCerts(dir);
  ASSERT_EQ(made.error, "");
  const std::string cfg = dir.write(
      "hinomi.yaml", "data_dir: " + dir.file("data") +
                         "\nhttp:\n  listen: 127.0.0.1:0\ncollector:\n  listeners:\n"
                         "    - name: broken-tls\n      transport: tls\n      listen: 127.0.0.1:0\n"
                         "      tls:\n        cert_file: " +
                         made.certs.server_cert + "\n        key_file: " + made.certs.client_key + "\n");
  auto r = runProgram({HINOMI_BINARY, "run", "-c", cfg}, 60s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Cannot start the collector. broken-tls: TLS: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(made.certs.client_key), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("key values mismatch"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hinomi
