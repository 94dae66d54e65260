#pragma once
// The process-wide Prometheus registry and its text exposition.
// Names: hinomi_<component>_<what>_<unit>, counters end in _total (checked by a unit test).
// Label values come from configuration (listener, topic, tenant), never from event data.

#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace hinomi::metrics {

prometheus::Registry& registry();

// The registry in Prometheus text format 0.0.4, as served on /metrics.
std::string exposition();

// Why `name` of `type` breaks the naming convention, or an empty string when it is fine.
std::string checkName(const std::string& name, prometheus::MetricType type);

}  // namespace hinomi::metrics
