#include "collector/collector_metrics.h"

#include "common/metrics.h"

namespace hinomi::collector {

prometheus::Family<prometheus::Counter>& receivedFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_collector_received_total")
                       .Help("Messages received, per listener")
                       .Register(metrics::registry());
  return f;
}

prometheus::Family<prometheus::Counter>& receivedBytesFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_collector_received_bytes_total")
                       .Help("Bytes of the messages received, per listener")
                       .Register(metrics::registry());
  return f;
}

prometheus::Family<prometheus::Counter>& droppedFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_collector_dropped_total")
                       .Help("Messages lost or cut before parsing, per listener and reason "
                             "(udp_overflow: the kernel's receive buffer was full; oversize: "
                             "delivered truncated)")
                       .Register(metrics::registry());
  return f;
}

}  // namespace hinomi::collector
