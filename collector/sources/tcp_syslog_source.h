#pragma once
// Syslog over TCP (RFC 6587): many connections on one epoll thread, each with its own Framer
// (octet counting or LF, detected per connection by AutoFramer). Back-pressure: the sink runs on
// this thread, so while it blocks nothing is read and the senders' TCP windows fill.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include "collector/framing/framer.h"
#include "collector/sources/source.h"
#include "common/time.h"

namespace prometheus {
class Counter;
class Gauge;
}  // namespace prometheus

namespace hinomi::collector {

struct TcpSourceOptions {
  std::string name = "syslog-tcp";
  std::string listen = "127.0.0.1:5514";
  int64_t max_connections = 1024;   // further connections are accepted and closed at once, counted
};

using FramerFactory = std::function<std::unique_ptr<Framer>()>;

class TcpSyslogSource final : public Source {
 public:
  TcpSyslogSource(TcpSourceOptions options, FramerFactory framers, MessageSink sink,
                  const Clock& clock = SystemClock::instance());
  ~TcpSyslogSource() override;

  std::string_view name() const override { return options_.name; }
  [[nodiscard]] Status start() override;
  void stop() override;
  int port() const override { return port_; }

 private:
  struct Connection;
  void run();
  void accept();
  // Reads what is there; returns false when the connection is finished (EOF or error).
  bool readFrom(Connection& c);
  void closeConnection(int fd);

  TcpSourceOptions options_;
  FramerFactory framers_;
  MessageSink sink_;
  const Clock& clock_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  prometheus::Counter* received_ = nullptr;
  prometheus::Counter* received_bytes_ = nullptr;
  prometheus::Counter* oversize_ = nullptr;
  prometheus::Counter* rejected_connections_ = nullptr;
  prometheus::Gauge* open_connections_ = nullptr;
};

}  // namespace hinomi::collector
