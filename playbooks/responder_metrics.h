#pragma once
// Metrics of the responder, registered once per process. Label values are fixed words (the intake
// outcome), never event data.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

namespace hinomi::playbooks {

struct ResponderMetrics {
  prometheus::Family<prometheus::Counter>* incidents = nullptr;  // hinomi_responder_incidents_total{outcome}
  prometheus::Counter* malformed = nullptr;       // hinomi_responder_incidents_malformed_total
  prometheus::Counter* store_failures = nullptr;  // hinomi_responder_store_failures_total
  prometheus::Counter* commit_failures = nullptr; // hinomi_responder_commit_failures_total
  prometheus::Gauge* playbooks_loaded = nullptr;  // hinomi_responder_playbooks_loaded
  prometheus::Family<prometheus::Gauge>* cases = nullptr;        // hinomi_responder_cases{state}
  prometheus::Family<prometheus::Counter>* steps = nullptr;      // hinomi_responder_steps_total{kind,outcome}
  prometheus::Family<prometheus::Counter>* deliveries = nullptr; // hinomi_responder_deliveries_total{channel,outcome}
  prometheus::Counter* escalations = nullptr;      // hinomi_responder_escalations_total
  prometheus::Counter* retries = nullptr;          // hinomi_responder_retries_total
  prometheus::Counter* refused = nullptr;          // hinomi_responder_containment_refused_total
  prometheus::Counter* deferred = nullptr;         // hinomi_responder_containment_deferred_total
  prometheus::Counter* commands = nullptr;         // hinomi_responder_commands_total
  prometheus::Histogram* time_to_ack = nullptr;     // hinomi_responder_time_to_acknowledge_seconds
  prometheus::Histogram* time_to_contain = nullptr; // hinomi_responder_time_to_contain_seconds
  prometheus::Histogram* first_notification = nullptr;  // hinomi_responder_first_notification_seconds

  static ResponderMetrics& get();
};

}  // namespace hinomi::playbooks
