// The TCP source with transport tls (RFC 5425), driven by an OpenSSL client in the test and
// certificates made at test time.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "collector/framing/auto_framer.h"
#include "collector/sources/tcp_syslog_source.h"
#include "common/metrics.h"
#include "tests/testing/test_certs.h"

namespace hinomi::collector {
namespace {

using namespace std::chrono_literals;
using hinomi::testing::TestCerts;

struct Received {
  std::string peer, bytes;
  bool truncated;
};

struct Collected {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Received> got;
  MessageSink sink() {
    return [this](const ReceivedMessage& m) {
      std::lock_guard<std::mutex> lock(mu);
      got.push_back({std::string(m.peer), std::string(m.bytes), m.truncated});
      cv.notify_all();
    };
  }
  bool waitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, 10s, [&] { return got.size() >= n; });
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return got.size();
  }
};

int connectTo(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A blocking OpenSSL client that trusts the test CA.
class TlsClient {
 public:
  struct Identity {
    std::string cert, key;  // empty: no client certificate
  };
  TlsClient(const TestCerts& certs, Identity id = {}, int max_version = 0) : ctx_(SSL_CTX_new(TLS_client_method())) {
    SSL_CTX_load_verify_locations(ctx_, certs.ca.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (max_version != 0) SSL_CTX_set_max_proto_version(ctx_, max_version);
    if (!id.cert.empty()) {
      SSL_CTX_use_certificate_file(ctx_, id.cert.c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx_, id.key.c_str(), SSL_FILETYPE_PEM);
    }
  }
  ~TlsClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) close(fd_);
    SSL_CTX_free(ctx_);
  }

  // Connects and handshakes; true when the client side of the handshake succeeded.
  bool connect(int port) {
    fd_ = connectTo(port);
    if (fd_ < 0) return false;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    ERR_clear_error();
    return SSL_connect(ssl_) == 1;
  }
  bool send(std::string_view data) {
    while (!data.empty()) {
      int n = SSL_write(ssl_, data.data(), int(data.size()));
      if (n <= 0) return false;
      data.remove_prefix(size_t(n));
    }
    return true;
  }
  // True when the server ends the connection (alert or close) within the timeout. With TLS 1.3 a
  // refused client certificate is only seen here: the client finishes its handshake first.
  bool refusedByServer() {
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char byte;
    ERR_clear_error();
    int n = SSL_read(ssl_, &byte, 1);
    int err = SSL_get_error(ssl_, n);
    return n <= 0 && err != SSL_ERROR_WANT_READ && !(err == SSL_ERROR_SYSCALL && errno == EAGAIN);
  }
  // Sends close_notify and closes the socket.
  void shutdownAndClose() {
    SSL_shutdown(ssl_);
    close(fd_);
    fd_ = -1;
  }

 private:
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
};

double counterValue(const std::string& series) {
  std::string text = metrics::exposition();
  auto at = text.find(series + " ");
  return at == std::string::npos ? 0 : std::stod(text.substr(at + series.size() + 1));
}

double handshakeFailures(const std::string& listener) {
  return counterValue("hinomi_collector_tls_handshake_failures_total{listener=\"" + listener + "\"}");
}

// Counters move on the source thread: wait a little for the expected value.
bool waitForFailures(const std::string& listener, double want) {
  for (int i = 0; i < 500; ++i) {
    if (handshakeFailures(listener) >= want) return handshakeFailures(listener) == want;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::string octetCounted(const std::string& msg) { return std::to_string(msg.size()) + " " + msg; }

// With a LF inside and non-ASCII: octet counting keeps both.
std::string octetMessage(int i) {
  return "<13>1 2026-01-02T03:04:05Z h app - - - oc " + std::to_string(i) + " マイナンバー\nkept";
}

class TlsSyslogSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new hinomi::testing::TempDir();
    auto made = hinomi::testing::makeTestCerts(*dir_);
    error_ = made.error;
    certs_ = made.certs;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(error_, "") << "cannot make test certificates"; }

  TcpSourceOptions options(const std::string& name, bool mutual = false) {
    TcpSourceOptions o;
    o.name = name;
    o.listen = "127.0.0.1:0";
    config::ListenerTlsOptions t;
    t.cert_file = certs_.server_cert;
    t.key_file = certs_.server_key;
    if (mutual) t.ca_file = certs_.ca;
    o.tls = t;
    return o;
  }
  static FramerFactory framers() {
    return [] { return std::make_unique<AutoFramer>(65536); };
  }

  static hinomi::testing::TempDir* dir_;
  static std::string error_;
  static TestCerts certs_;
};

hinomi::testing::TempDir* TlsSyslogSourceTest::dir_ = nullptr;
std::string TlsSyslogSourceTest::error_;
TestCerts TlsSyslogSourceTest::certs_;

TEST_F(TlsSyslogSourceTest, OctetCountedAndLfMessagesArriveIntact) {
  Collected c;
  TcpSyslogSource source(options("tls-test-framing"), framers(), c.sink());
  ASSERT_TRUE(source.start().has_value());
  const int n = 500;
  std::thread octet([&] {
    TlsClient client(certs_);
    ASSERT_TRUE(client.connect(source.port()));
    std::string all;
    for (int i = 0; i < n; ++i) all += octetCounted(octetMessage(i));
    // Odd-sized writes: frames cross TLS records.
    for (size_t off = 0; off < all.size(); off += 1001)
      ASSERT_TRUE(client.send(std::string_view(all).substr(off, 1001)));
    client.shutdownAndClose();
  });
  std::thread lf([&] {
    TlsClient client(certs_);
    ASSERT_TRUE(client.connect(source.port()));
    std::string all;
    for (int i = 0; i < n; ++i) all += "<13>Jan  2 03:04:05 h app: lf " + std::to_string(i) + "\n";
    ASSERT_TRUE(client.send(all));
    client.shutdownAndClose();
  });
  octet.join();
  lf.join();
  ASSERT_TRUE(c.waitFor(2 * n)) << c.count();
  source.stop();
  ASSERT_EQ(c.got.size(), size_t(2 * n));
  int next_oc = 0, next_lf = 0;
  for (auto& m : c.got) {
    EXPECT_EQ(m.peer, "127.0.0.1");
    EXPECT_FALSE(m.truncated);
    if (m.bytes.find(" oc ") != std::string::npos)
      EXPECT_EQ(m.bytes, octetMessage(next_oc++));
    else
      EXPECT_EQ(m.bytes, "<13>Jan  2 03:04:05 h app: lf " + std::to_string(next_lf++));
  }
  EXPECT_EQ(next_oc, n);
  EXPECT_EQ(next_lf, n);
}

TEST_F(TlsSyslogSourceTest, MessagesSplitAcrossRecordsAndReadsAndLargerThanARecord) {
  Collected c;
  TcpSyslogSource source(options("tls-test-split"), framers(), c.sink());
  ASSERT_TRUE(source.start().has_value());
  TlsClient client(certs_);
  ASSERT_TRUE(client.connect(source.port()));
  const std::string small = "<14>1 - h app - - - split byte by byte";
  const std::string big = "<14>1 - h app - - - " + std::string(40000, 'x');  // > two 16 KiB records
  std::string all = octetCounted(small) + octetCounted(big);
  // One byte per record for the first frame, with pauses so the source sees separate reads.
  for (size_t i = 0; i < octetCounted(small).size(); ++i) {
    ASSERT_TRUE(client.send(all.substr(i, 1)));
    if (i % 8 == 0) std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(client.send(all.substr(octetCounted(small).size())));
  ASSERT_TRUE(c.waitFor(2));
  client.shutdownAndClose();
  source.stop();
  ASSERT_EQ(c.got.size(), 2u);
  EXPECT_EQ(c.got[0].bytes, small);
  EXPECT_EQ(c.got[1].bytes, big);
}

TEST_F(TlsSyslogSourceTest, MutualTlsRefusesClientsWithoutOrWithForeignCertificates) {
  Collected c;
  const std::string name = "tls-test-mutual";
  TcpSyslogSource source(options(name, /*mutual=*/true), framers(), c.sink());
  ASSERT_TRUE(source.start().has_value());
  {
    TlsClient anonymous(certs_);
    if (anonymous.connect(source.port())) {
      anonymous.send(octetCounted("<13>1 - h app - - - from anonymous"));
      EXPECT_TRUE(anonymous.refusedByServer());
    }
  }
  ASSERT_TRUE(waitForFailures(name, 1)) << handshakeFailures(name);
  {
    TlsClient foreign(certs_, {certs_.foreign_client_cert, certs_.foreign_client_key});
    if (foreign.connect(source.port())) {
      foreign.send(octetCounted("<13>1 - h app - - - from foreign"));
      EXPECT_TRUE(foreign.refusedByServer());
    }
  }
  ASSERT_TRUE(waitForFailures(name, 2)) << handshakeFailures(name);
  TlsClient good(certs_, {certs_.client_cert, certs_.client_key});
  ASSERT_TRUE(good.connect(source.port()));
  ASSERT_TRUE(good.send(octetCounted("<13>1 - h app - - - from a verified sender")));
  ASSERT_TRUE(c.waitFor(1));
  good.shutdownAndClose();
  source.stop();
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].bytes, "<13>1 - h app - - - from a verified sender");
  EXPECT_EQ(handshakeFailures(name), 2);
}

TEST_F(TlsSyslogSourceTest, PlaintextSenderIsRefusedAndCountedAndOthersGoOn) {
  Collected c;
  const std::string name = "tls-test-plaintext";
  TcpSyslogSource source(options(name), framers(), c.sink());
  ASSERT_TRUE(source.start().has_value());
  int fd = connectTo(source.port());
  ASSERT_GE(fd, 0);
  const std::string garbage = "<13>Jan  2 03:04:05 h app: plaintext to a TLS port\n\x16\x03\x01\xff\xff garbage";
  ASSERT_EQ(write(fd, garbage.data(), garbage.size()), ssize_t(garbage.size()));
  char buf[256];
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (read(fd, buf, sizeof buf) > 0) {
  }  // an alert at most, then the close
  close(fd);
  ASSERT_TRUE(waitForFailures(name, 1)) << handshakeFailures(name);
  // One that connects and leaves before saying anything (a port probe) is no failed handshake.
  close(connectTo(source.port()));
  TlsClient good(certs_);
  ASSERT_TRUE(good.connect(source.port()));
  ASSERT_TRUE(good.send("<13>Jan  2 03:04:05 h app: after the garbage\n"));
  ASSERT_TRUE(c.waitFor(1));
  good.shutdownAndClose();
  source.stop();
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].bytes, "<13>Jan  2 03:04:05 h app: after the garbage");
  EXPECT_EQ(handshakeFailures(name), 1);
}

TEST_F(TlsSyslogSourceTest, MinVersionRefusesOlderClients) {
  Collected c;
  const std::string name = "tls-test-min-version";
  auto o = options(name);
  o.tls->min_version = "1.3";
  TcpSyslogSource source(o, framers(), c.sink());
  ASSERT_TRUE(source.start().has_value());
  TlsClient old(certs_, {}, TLS1_2_VERSION);
  EXPECT_FALSE(old.connect(source.port()));
  ASSERT_TRUE(waitForFailures(name, 1));
  TlsClient current(certs_);
  EXPECT_TRUE(current.connect(source.port()));
  source.stop();
}

TEST_F(TlsSyslogSourceTest, StopWithOpenConnectionsDeliversWhatArrived) {
  Collected c;
  TcpSyslogSource source(options("tls-test-stop"), framers(), c.sink());
  ASSERT_TRUE(source.start().has_value());
  int silent = connectTo(source.port());  // still before its handshake at stop
  ASSERT_GE(silent, 0);
  TlsClient open(certs_);
  ASSERT_TRUE(open.connect(source.port()));
  // The second frame announces 200 bytes and has sent fewer when the listener stops.
  ASSERT_TRUE(open.send(octetCounted("<13>1 - h app - - - complete") + "200 <13>1 - h app - - - partial"));
  ASSERT_TRUE(c.waitFor(1));
  auto started = std::chrono::steady_clock::now();
  source.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  close(silent);
  ASSERT_EQ(c.got.size(), 2u);
  EXPECT_EQ(c.got[0].bytes, "<13>1 - h app - - - complete");
  EXPECT_EQ(c.got[1].bytes, "<13>1 - h app - - - partial");
  EXPECT_TRUE(c.got[1].truncated);
}

TEST_F(TlsSyslogSourceTest, UnusableCertificateOrKeyFailsStartWithTheReason) {
  Collected c;
  auto missing = options("tls-test-missing");
  missing.tls->cert_file = dir_->file("no-such.pem");
  auto st = TcpSyslogSource(missing, framers(), c.sink()).start();
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message.find("tls-test-missing: TLS: cannot load cert_file"), std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("No such file"), std::string::npos) << st.error().message;

  auto mismatch = options("tls-test-mismatch");
  mismatch.tls->key_file = certs_.client_key;
  st = TcpSyslogSource(mismatch, framers(), c.sink()).start();
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message.find("tls-test-mismatch: TLS: "), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("key values mismatch"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace hinomi::collector
