#include "collector/sources/udp_syslog_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "common/metrics.h"

namespace hinomi::collector {
namespace {

struct Collected {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> bytes, peers;
  std::vector<bool> truncated;

  MessageSink sink() {
    return [this](const ReceivedMessage& m) {
      std::lock_guard<std::mutex> lock(mu);
      bytes.emplace_back(m.bytes);
      peers.emplace_back(m.peer);
      truncated.push_back(m.truncated);
      cv.notify_all();
    };
  }
  bool waitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return bytes.size() >= n; });
  }
};

void sendTo(int port, const std::string& payload) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
            ssize_t(payload.size()));
  close(fd);
}

TEST(UdpSyslogSourceTest, ReceivesEveryDatagramWithItsSender) {
  Collected got;
  UdpSourceOptions o;
  o.name = "udp-test-a";
  o.listen = "127.0.0.1:0";
  UdpSyslogSource source(o, got.sink());
  ASSERT_TRUE(source.start().has_value());
  ASSERT_GT(source.port(), 0);
  for (int i = 0; i < 500; ++i)
    sendTo(source.port(), "<34>Nov 23 12:00:00 host app[1]: message " + std::to_string(i));
  ASSERT_TRUE(got.waitFor(500));
  source.stop();
  ASSERT_EQ(got.bytes.size(), 500u);
  // Loopback keeps order from one sender.
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(got.bytes[size_t(i)], "<34>Nov 23 12:00:00 host app[1]: message " + std::to_string(i));
    EXPECT_EQ(got.peers[size_t(i)], "127.0.0.1");
    EXPECT_FALSE(got.truncated[size_t(i)]);
  }
  auto text = metrics::exposition();
  EXPECT_NE(text.find("hinomi_collector_received_total{listener=\"udp-test-a\"} 500"), std::string::npos) << text;
}

TEST(UdpSyslogSourceTest, OversizeDatagramIsDeliveredTruncatedAndCounted) {
  Collected got;
  UdpSourceOptions o;
  o.name = "udp-test-b";
  o.listen = "127.0.0.1:0";
  o.max_message_bytes = 100;
  UdpSyslogSource source(o, got.sink());
  ASSERT_TRUE(source.start().has_value());
  std::string exact(100, 'x'), longer(5000, 'y'), binary("\0\xff\x01", 3);
  sendTo(source.port(), exact);
  sendTo(source.port(), longer);
  sendTo(source.port(), binary);
  ASSERT_TRUE(got.waitFor(3));
  source.stop();
  EXPECT_EQ(got.bytes[0], exact);
  EXPECT_FALSE(got.truncated[0]);
  EXPECT_EQ(got.bytes[1], std::string(100, 'y'));
  EXPECT_TRUE(got.truncated[1]);
  EXPECT_EQ(got.bytes[2], binary);
  EXPECT_NE(metrics::exposition().find(
                "hinomi_collector_dropped_total{listener=\"udp-test-b\",reason=\"oversize\"} 1"),
            std::string::npos);
}

TEST(UdpSyslogSourceTest, RefusesAnAddressInUseAndBadAddresses) {
  Collected got;
  UdpSourceOptions o;
  o.listen = "127.0.0.1:0";
  UdpSyslogSource first(o, got.sink());
  ASSERT_TRUE(first.start().has_value());
  o.listen = "127.0.0.1:" + std::to_string(first.port());
  UdpSyslogSource second(o, got.sink());
  auto st = second.start();
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message.find("cannot bind"), std::string::npos);
  o.listen = "localhost:5514";
  UdpSyslogSource third(o, got.sink());
  EXPECT_FALSE(third.start().has_value());
}

TEST(UdpSyslogSourceTest, StopWithoutTrafficReturnsAtOnce) {
  Collected got;
  UdpSourceOptions o;
  o.listen = "[::1]:0";
  UdpSyslogSource source(o, got.sink());
  auto st = source.start();
  if (!st) GTEST_SKIP() << "no IPv6 loopback here: " << st.error().message;
  source.stop();
  EXPECT_TRUE(got.bytes.empty());
}

}  // namespace
}  // namespace hinomi::collector
