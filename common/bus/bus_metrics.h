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
  prometheus::Counter* retry = nullptr;      // hinomi_bus_delivery_failures_total{outcome="retry"}
  prometheus::Counter* rejected = nullptr;   // hinomi_bus_delivery_failures_total{outcome="rejected"}
  prometheus::Counter* consumed = nullptr;   // hinomi_bus_consumed_total
  prometheus::Counter* committed = nullptr;  // hinomi_bus_commits_total
  prometheus::Gauge* queued = nullptr;       // hinomi_bus_queued_records
  prometheus::Histogram* delivery_latency = nullptr;  // hinomi_bus_delivery_latency_seconds

  // The metrics of (bus_kind, topic), created on first use; thread-safe. The reference stays
  // valid for the life of the process (the registry never drops a series).
  static BusMetrics& forTopic(std::string_view bus_kind, const std::string& topic);
};

}  // namespace hinomi::bus
