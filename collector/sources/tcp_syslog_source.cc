#include "collector/sources/tcp_syslog_source.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <prometheus/gauge.h>

#include "collector/collector_metrics.h"
#include "collector/sources/socket_util.h"
#include "common/config/hinomi_config.h"
#include "common/logging.h"
#include "common/metrics.h"

namespace hinomi::collector {
namespace {

// A frame cut by the size limit or by the end of its stream is delivered flagged as truncated.
bool cut(const Frame& f) { return f.issue == FrameIssue::kOversize || f.issue == FrameIssue::kTruncatedAtEnd; }

prometheus::Family<prometheus::Counter>& rejectedConnectionsFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_collector_connections_rejected_total")
                       .Help("TCP connections closed at once because the listener had max_connections")
                       .Register(metrics::registry());
  return f;
}

prometheus::Family<prometheus::Gauge>& openConnectionsFamily() {
  static auto& f = prometheus::BuildGauge()
                       .Name("hinomi_collector_connections")
                       .Help("Open TCP connections per listener")
                       .Register(metrics::registry());
  return f;
}

}  // namespace

struct TcpSyslogSource::Connection {
  int fd = -1;
  std::string peer;
  std::unique_ptr<Framer> framer;
};

TcpSyslogSource::TcpSyslogSource(TcpSourceOptions options, FramerFactory framers, MessageSink sink,
                                 const Clock& clock)
    : options_(std::move(options)), framers_(std::move(framers)), sink_(std::move(sink)), clock_(clock) {
  received_ = &receivedFamily().Add({{"listener", options_.name}});
  received_bytes_ = &receivedBytesFamily().Add({{"listener", options_.name}});
  oversize_ = &droppedFamily().Add({{"listener", options_.name}, {"reason", "oversize"}});
  rejected_connections_ = &rejectedConnectionsFamily().Add({{"listener", options_.name}});
  open_connections_ = &openConnectionsFamily().Add({{"listener", options_.name}});
}

TcpSyslogSource::~TcpSyslogSource() { stop(); }

Status TcpSyslogSource::start() {
  auto bound = bindListenerSocket(options_.name, options_.listen, SOCK_STREAM | SOCK_NONBLOCK, [](int fd) {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  });
  if (!bound) return tl::unexpected(bound.error());
  if (listen(bound->fd, 512) != 0) {
    int err = errno;
    close(bound->fd);
    return makeError(ErrorCode::kIo, options_.name + ": cannot listen on TCP " + options_.listen + ": " +
                                         std::strerror(err));
  }
  listen_fd_ = bound->fd;
  port_ = bound->port;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { run(); });
  logging::get("collector")->info("Listening. listener={} transport=tcp address={} port={}", options_.name,
                                  options_.listen, port_);
  return {};
}

void TcpSyslogSource::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
  thread_.join();
  // What the senders already sent is read (until EAGAIN); frames still incomplete then are
  // delivered flagged, not lost.
  for (auto& entry : connections_) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const int fd = entry.first;
    Connection* c = entry.second.get();
    char buf[65536];
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) > 0) {
      c->framer->feed(std::string_view(buf, size_t(got)), [&](const Frame& f) {
        received_->Increment();
        received_bytes_->Increment(double(f.bytes.size()));
        sink_(ReceivedMessage{f.bytes, c->peer, clock_.nowMicros(), cut(f)});
      });
    }
    c->framer->finish([&](const Frame& f) {
      received_->Increment();
      sink_(ReceivedMessage{f.bytes, c->peer, clock_.nowMicros(), cut(f)});
    });
    close(fd);
  }
  connections_.clear();
  open_connections_->Set(0);
  close(listen_fd_);
  close(epoll_fd_);
  close(wake_fd_);
  listen_fd_ = epoll_fd_ = wake_fd_ = -1;
}

void TcpSyslogSource::run() {
  epoll_event events[64];
  while (!stopping_.load()) {
    int n = epoll_wait(epoll_fd_, events, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      logging::get("collector")->error("epoll_wait failed. listener={} error={}", options_.name, std::strerror(errno));
      break;
    }
    for (int i = 0; i < n && !stopping_.load(); ++i) {
      int fd = events[i].data.fd;
      if (fd == wake_fd_) break;
      if (fd == listen_fd_) {
        accept();
        continue;
      }
      auto it = connections_.find(fd);
      if (it != connections_.end() && !readFrom(*it->second)) closeConnection(fd);
    }
  }
}

void TcpSyslogSource::accept() {
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: all accepted; other errors are the client's problem
    if (int64_t(connections_.size()) >= options_.max_connections) {
      rejected_connections_->Increment();
      close(fd);
      continue;
    }
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    c->peer = peerAddress(ss);
    c->framer = framers_();
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    connections_.emplace(fd, std::move(c));
    open_connections_->Set(double(connections_.size()));
  }
}

bool TcpSyslogSource::readFrom(Connection& c) {
  char buf[65536];
  // Level-triggered epoll: one read per wake-up keeps connections fair to each other.
  ssize_t got = read(c.fd, buf, sizeof buf);
  if (got < 0) return errno == EAGAIN || errno == EINTR;
  const int64_t now = clock_.nowMicros();
  auto deliver = [&](const Frame& f) {
    if (f.issue == FrameIssue::kOversize) oversize_->Increment();
    received_->Increment();
    received_bytes_->Increment(double(f.bytes.size()));
    sink_(ReceivedMessage{f.bytes, c.peer, now, cut(f)});
  };
  if (got == 0) {
    c.framer->finish(deliver);
    return false;
  }
  c.framer->feed(std::string_view(buf, size_t(got)), deliver);
  return true;
}

void TcpSyslogSource::closeConnection(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  connections_.erase(fd);
  open_connections_->Set(double(connections_.size()));
}

}  // namespace hinomi::collector
