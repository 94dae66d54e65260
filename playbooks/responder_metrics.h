#pragma once
// Metrics of the responder, registered once per process. Label values are fixed words (the intake
// outcome), never event data.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

namespace hinomi::playbooks {

struct ResponderMetrics {
  prometheus::Family<prometheus::Counter>* incidents = nullptr;  // hinomi_responder_incidents_total{outcome}
  prometheus::Counter* malformed = nullptr;       // hinomi_responder_incidents_malformed_total
  prometheus::Counter* store_failures = nullptr;  // hinomi_responder_store_failures_total
  prometheus::Counter* commit_failures = nullptr; // hinomi_responder_commit_failures_total
  prometheus::Gauge* playbooks_loaded = nullptr;  // hinomi_responder_playbooks_loaded

  static ResponderMetrics& get();
};

}  // namespace hinomi::playbooks
