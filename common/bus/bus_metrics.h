#pragma once
// Per-topic metrics shared by both bus implementations, so the families are registered once and
// the embedded and Kafka buses export the same names (told apart by the `bus` label).

#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

namespace hinomi::bus {

struct BusMetrics {
  prometheus::Counter* published = nullptr;  // hinomi_bus_published_total
  prometheus::Counter* delivered = nullptr;  // hinomi_bus_delivered_total
  // hinomi_bus_delivery_failures_total{outcome="retry"} and {outcome="rejected"}
  prometheus::Counter* retry = nullptr;
  prometheus::Counter* rejected = nullptr;
  prometheus::Counter* consumed = nullptr;   // hinomi_bus_consumed_total
  prometheus::Counter* committed = nullptr;  // hinomi_bus_commits_total
  // hinomi_bus_queued_records; shared by every bus of a kind in the process, so a bus that
  // may not be alone changes it by Increment/Decrement (the Kafka bus does).
  prometheus::Gauge* queued = nullptr;
  prometheus::Histogram* delivery_latency = nullptr;  // hinomi_bus_delivery_latency_seconds

  // The metrics of (bus_kind, topic), created on first use; thread-safe. The reference stays
  // valid for the life of the process (the registry never drops a series).
  static BusMetrics& forTopic(std::string_view bus_kind, const std::string& topic);
};

}  // namespace hinomi::bus
