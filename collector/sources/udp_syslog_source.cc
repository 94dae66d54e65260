#include "collector/sources/udp_syslog_source.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "collector/collector_metrics.h"
#include "collector/sources/socket_util.h"
#include "common/logging.h"

namespace hinomi::collector {

UdpSyslogSource::UdpSyslogSource(UdpSourceOptions options, MessageSink sink, const Clock& clock)
    : options_(std::move(options)), sink_(std::move(sink)), clock_(clock) {
  received_ = &receivedFamily().Add({{"listener", options_.name}});
  received_bytes_ = &receivedBytesFamily().Add({{"listener", options_.name}});
  truncated_ = &droppedFamily().Add({{"listener", options_.name}, {"reason", "oversize"}});
  kernel_drops_ = &droppedFamily().Add({{"listener", options_.name}, {"reason", "udp_overflow"}});
}

UdpSyslogSource::~UdpSyslogSource() { stop(); }

Status UdpSyslogSource::start() {
  auto bound = bindListenerSocket(options_.name, options_.listen, SOCK_DGRAM, [this](int fd) {
    int one = 1;
    int rcvbuf = static_cast<int>(options_.receive_buffer_bytes);
    // The buffer absorbs bursts while the thread parses. SO_RCVBUF is capped by
    // net.core.rmem_max (often 208 KiB); with CAP_NET_ADMIN, SO_RCVBUFFORCE is not (rsyslog does
    // the same).
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
  });
  if (!bound) return tl::unexpected(bound.error());
  fd_ = bound->fd;
  port_ = bound->port;
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { run(); });
  logging::get("collector")->info("Listening. listener={} transport=udp address={} port={}", options_.name,
                                  options_.listen, port_);
  return {};
}

void UdpSyslogSource::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
  thread_.join();
  close(fd_);
  close(wake_fd_);
  fd_ = wake_fd_ = -1;
}

void UdpSyslogSource::run() {
  const size_t batch = static_cast<size_t>(options_.batch);
  // One byte more than the limit tells a datagram of exactly the limit from a longer one.
  const size_t slot = static_cast<size_t>(options_.max_message_bytes) + 1;
  std::vector<char> buffers(batch * slot);
  std::vector<sockaddr_storage> addrs(batch);
  std::vector<iovec> iovs(batch);
  std::vector<mmsghdr> msgs(batch);
  std::vector<std::array<char, CMSG_SPACE(sizeof(uint32_t))>> controls(batch);
  auto log = logging::get("collector");
  bool last_round = false;
  while (!last_round) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    // On stop, what the kernel already holds is still read (until EAGAIN), then the loop ends.
    last_round = stopping_.load();
    for (size_t i = 0; i < batch; ++i) {
      iovs[i] = {buffers.data() + i * slot, slot};
      msgs[i].msg_hdr = msghdr{};
      msgs[i].msg_hdr.msg_name = &addrs[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = controls[i].data();
      msgs[i].msg_hdr.msg_controllen = controls[i].size();
    }
    int n = recvmmsg(fd_, msgs.data(), static_cast<unsigned>(batch), MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) log->warn("UDP receive failed. listener={} error={}", options_.name, std::strerror(errno));
      continue;
    }
    if (last_round && n > 0) last_round = false;  // more may be waiting: one more round
    const int64_t now = clock_.nowMicros();
    for (int i = 0; i < n; ++i) {
      auto& h = msgs[size_t(i)].msg_hdr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          uint32_t drops;
          std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
          if (drops != last_drop_count_) kernel_drops_->Increment(double(uint32_t(drops - last_drop_count_)));
          last_drop_count_ = drops;
        }
      }
      size_t len = msgs[size_t(i)].msg_len;
      bool truncated = len >= slot || (h.msg_flags & MSG_TRUNC);
      if (truncated) {
        len = slot - 1;
        truncated_->Increment();
      }
      std::string peer = peerAddress(addrs[size_t(i)]);
      received_->Increment();
      received_bytes_->Increment(double(len));
      sink_(ReceivedMessage{std::string_view(buffers.data() + size_t(i) * slot, len), peer, now, truncated});
    }
  }
}

}  // namespace hinomi::collector
