#pragma once
// Syslog over UDP (RFC 5426): one message per datagram, read in batches with recvmmsg(2).
// Kernel drops (receive buffer overflow) are counted with SO_RXQ_OVFL, so a flood is visible.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "collector/sources/source.h"
#include "common/time.h"

namespace prometheus {
class Counter;
}

namespace hinomi::collector {

struct UdpSourceOptions {
  std::string name = "syslog-udp";
  std::string listen = "127.0.0.1:5514";   // host:port; port 0 picks one
  int64_t max_message_bytes = 65535;        // larger datagrams are delivered truncated, flagged
  int64_t receive_buffer_bytes = 8 << 20;   // SO_RCVBUF asked of the kernel
  int batch = 64;                           // datagrams per recvmmsg call
};

class UdpSyslogSource final : public Source {
 public:
  UdpSyslogSource(UdpSourceOptions options, MessageSink sink,
                  const Clock& clock = SystemClock::instance());
  ~UdpSyslogSource() override;

  std::string_view name() const override { return options_.name; }
  [[nodiscard]] Status start() override;
  void stop() override;
  int port() const override { return port_; }

 private:
  void run();

  UdpSourceOptions options_;
  MessageSink sink_;
  const Clock& clock_;
  int fd_ = -1;
  int wake_fd_ = -1;  // eventfd: stop() wakes the receive loop without a timeout poll
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  prometheus::Counter* received_ = nullptr;
  prometheus::Counter* received_bytes_ = nullptr;
  prometheus::Counter* truncated_ = nullptr;
  prometheus::Counter* kernel_drops_ = nullptr;
  uint32_t last_drop_count_ = 0;
};

}  // namespace hinomi::collector
