#include "collector/sources/tcp_syslog_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/metrics.h"

namespace hinomi::collector {
namespace {

// A minimal LF framer for these tests, so they exercise the source alone (the real framers have
// their own tests).
class TestLineFramer final : public Framer {
 public:
  std::string_view name() const override { return "test-lf"; }
  void feed(std::string_view data, const FrameSink& sink) override {
    buf_.append(data);
    size_t start = 0, nl;
    while ((nl = buf_.find('\n', start)) != std::string::npos) {
      sink(Frame{std::string_view(buf_).substr(start, nl - start), FrameIssue::kNone});
      start = nl + 1;
    }
    buf_.erase(0, start);
  }
  void finish(const FrameSink& sink) override {
    if (!buf_.empty()) sink(Frame{buf_, FrameIssue::kNone});
    buf_.clear();
  }
  size_t buffered() const override { return buf_.size(); }

 private:
  std::string buf_;
};

struct Collected {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::string>> got;  // (peer, bytes)
  MessageSink sink() {
    return [this](const ReceivedMessage& m) {
      std::lock_guard<std::mutex> lock(mu);
      got.emplace_back(std::string(m.peer), std::string(m.bytes));
      cv.notify_all();
    };
  }
  bool waitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.size() >= n; });
  }
};

int connectTo(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  return fd;
}

void writeAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    ASSERT_GT(n, 0);
    off += size_t(n);
  }
}

FramerFactory lines() {
  return [] { return std::make_unique<TestLineFramer>(); };
}

TEST(TcpSyslogSourceTest, ManyConnectionsEachMessageOnceInOrderPerConnection) {
  Collected c;
  TcpSourceOptions o;
  o.name = "tcp-test-a";
  o.listen = "127.0.0.1:0";
  TcpSyslogSource source(o, lines(), c.sink());
  ASSERT_TRUE(source.start().has_value());
  std::vector<std::thread> senders;
  for (int s = 0; s < 4; ++s) {
    senders.emplace_back([&, s] {
      int fd = connectTo(source.port());
      ASSERT_GE(fd, 0);
      std::string all;
      for (int i = 0; i < 2000; ++i) all += "s" + std::to_string(s) + " m" + std::to_string(i) + "\n";
      // Odd-sized writes split lines across reads.
      for (size_t off = 0; off < all.size(); off += 777) writeAll(fd, all.substr(off, 777));
      close(fd);
    });
  }
  for (auto& t : senders) t.join();
  ASSERT_TRUE(c.waitFor(8000));
  source.stop();
  std::map<char, int> next;
  for (auto& [peer, bytes] : c.got) {
    EXPECT_EQ(peer, "127.0.0.1");
    char s = bytes[1];
    EXPECT_EQ(bytes, std::string("s") + s + " m" + std::to_string(next[s]++));
  }
  EXPECT_EQ(c.got.size(), 8000u);
}

TEST(TcpSyslogSourceTest, LastLineWithoutLfIsDeliveredOnClose) {
  Collected c;
  TcpSourceOptions o;
  o.listen = "127.0.0.1:0";
  TcpSyslogSource source(o, lines(), c.sink());
  ASSERT_TRUE(source.start().has_value());
  int fd = connectTo(source.port());
  writeAll(fd, "one\ntwo");
  close(fd);
  ASSERT_TRUE(c.waitFor(2));
  source.stop();
  EXPECT_EQ(c.got[1].second, "two");
}

TEST(TcpSyslogSourceTest, PartialFrameOfAnOpenConnectionIsDeliveredAtStop) {
  Collected c;
  TcpSourceOptions o;
  o.listen = "127.0.0.1:0";
  TcpSyslogSource source(o, lines(), c.sink());
  ASSERT_TRUE(source.start().has_value());
  int fd = connectTo(source.port());
  writeAll(fd, "complete\npartial");
  ASSERT_TRUE(c.waitFor(1));
  source.stop();
  close(fd);
  ASSERT_EQ(c.got.size(), 2u);
  EXPECT_EQ(c.got[1].second, "partial");
}

TEST(TcpSyslogSourceTest, ConnectionStillInTheBacklogIsReadAtStop) {
  // The sink holds the source's thread on the first message, so the second sender's connection
  // waits in the listen backlog when stop() comes.
  std::mutex mu;
  std::condition_variable cv;
  bool first_seen = false, release = false;
  std::vector<std::string> got;
  MessageSink sink = [&](const ReceivedMessage& m) {
    std::unique_lock lock(mu);
    got.emplace_back(m.bytes);
    if (!first_seen) {
      first_seen = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    }
  };
  TcpSourceOptions o;
  o.listen = "127.0.0.1:0";
  TcpSyslogSource source(o, lines(), sink);
  ASSERT_TRUE(source.start().has_value());
  int a = connectTo(source.port());
  writeAll(a, "first\n");
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return first_seen; }));
  }
  int b = connectTo(source.port());
  writeAll(b, "sent before the stop\n");
  close(b);
  std::thread stopper([&] { source.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard lock(mu);
    release = true;
    cv.notify_all();
  }
  stopper.join();
  close(a);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], "sent before the stop");
}

TEST(TcpSyslogSourceTest, ConnectionsOverTheLimitAreClosedAndCounted) {
  Collected c;
  TcpSourceOptions o;
  o.name = "tcp-test-limit";
  o.listen = "127.0.0.1:0";
  o.max_connections = 1;
  TcpSyslogSource source(o, lines(), c.sink());
  ASSERT_TRUE(source.start().has_value());
  int first = connectTo(source.port());
  writeAll(first, "a\n");
  ASSERT_TRUE(c.waitFor(1));
  int second = connectTo(source.port());
  char byte;
  EXPECT_EQ(read(second, &byte, 1), 0) << "the second connection should be closed by the listener";
  writeAll(first, "b\n");
  ASSERT_TRUE(c.waitFor(2));
  source.stop();
  close(first);
  close(second);
  EXPECT_NE(metrics::exposition().find("hinomi_collector_connections_rejected_total{listener=\"tcp-test-limit\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace hinomi::collector
