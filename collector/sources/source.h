#pragma once
// A Source receives bytes from the network (or a file) and hands each message to the listener's
// pipeline. One thread per source; the sink runs on it, so back-pressure is natural: a sink that
// blocks stops the source reading (TCP then pushes back on the sender; UDP drops in the kernel,
// counted).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hinomi::collector {

struct ReceivedMessage {
  std::string_view bytes;    // one datagram or one frame; valid during the call only
  std::string_view peer;     // sender address without port, e.g. "192.0.2.10" or "2001:db8::1"
  int64_t received_us = 0;   // arrival time, µs since epoch
  bool truncated = false;    // longer than the listener's max message size; bytes hold its start
};

using MessageSink = std::function<void(const ReceivedMessage&)>;

class Source {
 public:
  virtual ~Source() = default;
  virtual std::string_view name() const = 0;  // the listener's name from the configuration
  // Binds and starts receiving on its own thread; errors (address in use …) are returned here.
  [[nodiscard]] virtual Status start() = 0;
  // Stops receiving and joins the thread; messages already handed to the sink are the sink's.
  virtual void stop() = 0;
  // The bound port (useful with port 0 in tests); 0 before start().
  virtual int port() const = 0;
};

}  // namespace hinomi::collector
