#include "collector/sources/socket_util.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/config/hinomi_config.h"

namespace hinomi::collector {

Result<BoundSocket> bindListenerSocket(const std::string& listener, const std::string& listen, int type,
                                       const std::function<void(int)>& configure) {
  auto hp = config::parseHostPort(listen);
  if (!hp) return makeError(ErrorCode::kInvalidArgument, listener + ": bad listen address '" + listen + "'");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = type & (SOCK_DGRAM | SOCK_STREAM);
  hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
  addrinfo* res = nullptr;
  if (getaddrinfo(hp->host.c_str(), std::to_string(hp->port).c_str(), &hints, &res) != 0 || !res)
    return makeError(ErrorCode::kInvalidArgument, listener + ": '" + hp->host + "' is not an IP address");
  BoundSocket s;
  s.fd = socket(res->ai_family, type | SOCK_CLOEXEC, 0);
  if (s.fd < 0) {
    int err = errno;
    freeaddrinfo(res);
    return makeError(ErrorCode::kIo, listener + ": socket: " + std::strerror(err));
  }
  configure(s.fd);
  int rc = bind(s.fd, res->ai_addr, res->ai_addrlen);
  int err = errno;
  freeaddrinfo(res);
  if (rc != 0) {
    close(s.fd);
    const char* kind = (type & SOCK_DGRAM) ? "UDP" : "TCP";
    return makeError(ErrorCode::kIo, listener + ": cannot bind " + kind + " " + listen + ": " + std::strerror(err));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(s.fd, reinterpret_cast<sockaddr*>(&bound), &len);
  s.port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(bound).sin6_port
                                             : reinterpret_cast<sockaddr_in&>(bound).sin_port);
  return s;
}

std::string peerAddress(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof buf);
  } else if (ss.ss_family == AF_INET6) {
    const auto& a6 = reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a6)) inet_ntop(AF_INET, &a6.s6_addr[12], buf, sizeof buf);
    else inet_ntop(AF_INET6, &a6, buf, sizeof buf);
  }
  return buf;
}

}  // namespace hinomi::collector
