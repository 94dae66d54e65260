#pragma once
// Metric families every collector source shares; series are labelled by listener name (from the
// configuration) and, for drops, by reason — never by sender or content.

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>

namespace hinomi::collector {

prometheus::Family<prometheus::Counter>& receivedFamily();       // hinomi_collector_received_total
prometheus::Family<prometheus::Counter>& receivedBytesFamily();  // hinomi_collector_received_bytes_total
// hinomi_collector_dropped_total{listener, reason}: udp_overflow, oversize, rate_limit, spool_full
prometheus::Family<prometheus::Counter>& droppedFamily();

}  // namespace hinomi::collector
