#pragma once
// What the network sources share: binding a listener socket from "host:port" and naming a peer.

#include <sys/socket.h>

#include <functional>
#include <string>

#include "common/result.h"

namespace hinomi::collector {

struct BoundSocket {
  int fd = -1;
  int port = 0;  // the port actually bound (port 0 in the address picks one)
};

// Creates a socket of `type` (SOCK_DGRAM / SOCK_STREAM, plus SOCK_* flags) for a numeric
// host:port, runs `configure(fd)` (socket options) and binds it. Errors name the listener.
[[nodiscard]] Result<BoundSocket> bindListenerSocket(const std::string& listener, const std::string& listen,
                                                     int type, const std::function<void(int)>& configure);

// "192.0.2.10" or "2001:db8::1"; an IPv4-mapped IPv6 sender is given as its IPv4 address.
std::string peerAddress(const sockaddr_storage& address);

}  // namespace hinomi::collector
