#pragma once
// Syslog over TCP (RFC 6587) or TLS (RFC 5425): many connections on one epoll thread, each with its
// own Framer (octet counting or LF, detected per connection by AutoFramer) and StreamTransport.
// Back-pressure: the sink runs on this thread, so while it blocks nothing is read and the senders'
// TCP windows fill.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "collector/framing/framer.h"
#include "collector/sources/source.h"
#include "common/config/collector_options.h"
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
  std::optional<config::ListenerTlsOptions> tls;  // set: every connection speaks TLS (RFC 5425)
};

class TlsContext;

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
  // Waits for readable or writable, whichever the connection's transport needs next.
  void watch(Connection& c);
  void closeConnection(int fd);
  void handshakeFailed(const Connection& c, const std::string& reason);
  void drainAndCloseAll();

  TcpSourceOptions options_;
  FramerFactory framers_;
  MessageSink sink_;
  const Clock& clock_;
  std::shared_ptr<TlsContext> tls_;
  int64_t last_handshake_log_us_ = 0;  // handshake failures are logged at most once a second
  int64_t unlogged_handshake_failures_ = 0;
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
  prometheus::Counter* handshake_failures_ = nullptr;  // TLS only
};

}  // namespace hinomi::collector
