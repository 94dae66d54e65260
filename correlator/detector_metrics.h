#pragma once
// Metrics of the detection stage (correlator/detector.h), registered once per process. Label
// values come from configuration only: the rule id of rule_matches_total.

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

namespace hinomi::correlator {

struct DetectorMetrics {
  prometheus::Counter* events = nullptr;               // hinomi_correlator_events_total
  prometheus::Counter* invalid = nullptr;              // hinomi_correlator_events_invalid_total
  prometheus::Counter* decoded = nullptr;              // hinomi_correlator_events_decoded_total
  prometheus::Family<prometheus::Counter>* rule_matches = nullptr;  // hinomi_correlator_rule_matches_total{rule}
  prometheus::Counter* published = nullptr;            // hinomi_correlator_incidents_published_total
  prometheus::Counter* rejected = nullptr;             // hinomi_correlator_incidents_rejected_total
  prometheus::Counter* retries = nullptr;              // hinomi_correlator_incident_retries_total
  prometheus::Counter* commit_failures = nullptr;      // hinomi_correlator_commit_failures_total
  prometheus::Histogram* batch_duration = nullptr;     // hinomi_correlator_batch_duration_seconds
  prometheus::Gauge* event_lag = nullptr;              // hinomi_correlator_event_lag_seconds
  prometheus::Gauge* decoders_loaded = nullptr;        // hinomi_correlator_decoders_loaded
  prometheus::Gauge* rules_loaded = nullptr;           // hinomi_correlator_rules_loaded
  prometheus::Gauge* rules_refused = nullptr;          // hinomi_correlator_rules_refused
  prometheus::Gauge* correlations_loaded = nullptr;    // hinomi_correlator_correlations_loaded
  prometheus::Counter* state_commit_failures = nullptr;  // hinomi_correlator_state_commit_failures_total
  prometheus::Counter* events_already_counted = nullptr;  // hinomi_correlator_events_already_counted_total
  prometheus::Gauge* open_groups = nullptr;            // hinomi_correlator_open_groups
  prometheus::Counter* matches_published = nullptr;    // hinomi_correlator_matches_published_total
  prometheus::Counter* matches_read = nullptr;         // hinomi_correlator_matches_total
  prometheus::Counter* matches_already_counted = nullptr;  // hinomi_correlator_matches_already_counted_total
  prometheus::Gauge* groups_in_memory = nullptr;       // hinomi_correlator_groups_in_memory
  prometheus::Counter* groups_evicted = nullptr;       // hinomi_correlator_groups_evicted_total
  prometheus::Counter* groups_read_back = nullptr;     // hinomi_correlator_groups_read_back_total
  prometheus::Gauge* state_restore_seconds = nullptr;  // hinomi_correlator_state_restore_seconds

  // The process's series, registered on first use; thread-safe.
  static DetectorMetrics& get();
  // hinomi_correlator_rule_matches_total{rule=`rule_id`}; the reference lives as long as the process.
  prometheus::Counter& ruleMatches(const std::string& rule_id) { return rule_matches->Add({{"rule", rule_id}}); }
};

}  // namespace hinomi::correlator
