#include "collector/sources/tcp_syslog_source.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <prometheus/gauge.h>

#include "collector/collector_metrics.h"
#include "collector/sources/socket_util.h"
#include "collector/sources/stream_transport.h"
#include "collector/sources/tls_context.h"
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

prometheus::Family<prometheus::Counter>& handshakeFailuresFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_collector_tls_handshake_failures_total")
                       .Help("TLS connections refused in the handshake (bad or missing client certificate, "
                             "not TLS, protocol version)")
                       .Register(metrics::registry());
  return f;
}

}  // namespace

struct TcpSyslogSource::Connection {
  int fd = -1;
  std::string peer;
  std::unique_ptr<Framer> framer;
  std::unique_ptr<StreamTransport> transport;
  bool watching_write = false;  // what epoll waits for: EPOLLOUT instead of EPOLLIN
};

TcpSyslogSource::TcpSyslogSource(TcpSourceOptions options, FramerFactory framers, MessageSink sink,
                                 const Clock& clock)
    : options_(std::move(options)), framers_(std::move(framers)), sink_(std::move(sink)), clock_(clock) {
  received_ = &receivedFamily().Add({{"listener", options_.name}});
  received_bytes_ = &receivedBytesFamily().Add({{"listener", options_.name}});
  oversize_ = &droppedFamily().Add({{"listener", options_.name}, {"reason", "oversize"}});
  rejected_connections_ = &rejectedConnectionsFamily().Add({{"listener", options_.name}});
  open_connections_ = &openConnectionsFamily().Add({{"listener", options_.name}});
  if (options_.tls) handshake_failures_ = &handshakeFailuresFamily().Add({{"listener", options_.name}});
}

TcpSyslogSource::~TcpSyslogSource() { stop(); }

Status TcpSyslogSource::start() {
  if (options_.tls) {
    auto ctx = TlsContext::create(options_.name, *options_.tls);
    if (!ctx) return tl::unexpected(ctx.error());
    tls_ = std::move(*ctx);
  }
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
  logging::get("collector")->info("Listening. listener={} transport={} address={} port={}", options_.name,
                                  tls_ ? "tls" : "tcp", options_.listen, port_);
  return {};
}

void TcpSyslogSource::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
  thread_.join();
  close(listen_fd_);
  close(epoll_fd_);
  close(wake_fd_);
  listen_fd_ = epoll_fd_ = wake_fd_ = -1;
}

void TcpSyslogSource::run() {
  // A TLS write (handshake, close_notify) to a peer that has gone would raise SIGPIPE and end the
  // process; blocked on this thread, such a write fails with EPIPE instead.
  sigset_t sigpipe;
  sigemptyset(&sigpipe);
  sigaddset(&sigpipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &sigpipe, nullptr);
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
      if (it == connections_.end()) continue;
      if (readFrom(*it->second)) watch(*it->second);
      else closeConnection(fd);
    }
  }
  drainAndCloseAll();
}

void TcpSyslogSource::drainAndCloseAll() {
  // What the senders already sent is read (until nothing is left); frames still incomplete then
  // are delivered flagged, not lost. That includes connections still in the listen backlog: their
  // senders connected and wrote before the stop, and closing the listener would reset them.
  accept();
  for (auto& entry : connections_) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    Connection* c = entry.second.get();
    auto deliver = [&](const Frame& f) {
      received_->Increment();
      received_bytes_->Increment(double(f.bytes.size()));
      sink_(ReceivedMessage{f.bytes, c->peer, clock_.nowMicros(), cut(f)});
    };
    char buf[65536];
    for (;;) {
      TransportRead r = c->transport->read(buf, sizeof buf);
      if (r.kind != TransportRead::kData) break;
      c->framer->feed(std::string_view(buf, r.bytes), deliver);
    }
    c->framer->finish(deliver);
    c->transport->shutdown();
    close(entry.first);
  }
  connections_.clear();
  open_connections_->Set(0);
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
    c->transport = tls_ ? tlsTransport(tls_->get(), fd) : plainTransport(fd);
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
  size_t total = 0;
  const int64_t now = clock_.nowMicros();
  auto deliver = [&](const Frame& f) {
    if (f.issue == FrameIssue::kOversize) oversize_->Increment();
    received_->Increment();
    received_bytes_->Increment(double(f.bytes.size()));
    sink_(ReceivedMessage{f.bytes, c.peer, now, cut(f)});
  };
  for (;;) {
    TransportRead r = c.transport->read(buf, sizeof buf);
    switch (r.kind) {
      case TransportRead::kData:
        c.framer->feed(std::string_view(buf, r.bytes), deliver);
        total += r.bytes;
        break;
      case TransportRead::kWouldBlock:
        return true;
      case TransportRead::kEnd:
        c.framer->finish(deliver);
        return false;
      case TransportRead::kHandshakeFailed:
        handshakeFailed(c, r.error);
        return false;
      case TransportRead::kError:
        logging::get("collector")->debug("Connection broken. listener={} peer={} reason={}", options_.name, c.peer,
                                         r.error);
        return false;
    }
    // Level-triggered epoll announces what is still in the socket, and one buffer per wake-up
    // keeps connections fair to each other; bytes TLS already took from the socket must be read
    // now (TLS reads until WANT_READ, within the same budget: its records are at most 16 KiB).
    if (c.transport->hasBuffered()) continue;
    if (!tls_ || total >= sizeof buf) return true;
  }
}

void TcpSyslogSource::watch(Connection& c) {
  const bool want_write = c.transport->wantsWrite();
  if (want_write == c.watching_write) return;
  epoll_event ev{};
  ev.events = (want_write ? EPOLLOUT : EPOLLIN) | EPOLLRDHUP;
  ev.data.fd = c.fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
  c.watching_write = want_write;
}

void TcpSyslogSource::handshakeFailed(const Connection& c, const std::string& reason) {
  handshake_failures_->Increment();
  // A scanner or a misconfigured fleet can fail thousands of handshakes a second: the counter
  // has them all, the log one a second.
  const int64_t now = clock_.nowMicros();
  if (last_handshake_log_us_ != 0 && now - last_handshake_log_us_ < 1'000'000) {
    ++unlogged_handshake_failures_;
    return;
  }
  logging::get("collector")->warn("TLS handshake failed. listener={} peer={} reason={} not_logged_since_last={}",
                                  options_.name, c.peer, reason, unlogged_handshake_failures_);
  last_handshake_log_us_ = now;
  unlogged_handshake_failures_ = 0;
}

void TcpSyslogSource::closeConnection(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  if (auto it = connections_.find(fd); it != connections_.end()) it->second->transport->shutdown();
  close(fd);
  connections_.erase(fd);
  open_connections_->Set(double(connections_.size()));
}

}  // namespace hinomi::collector
