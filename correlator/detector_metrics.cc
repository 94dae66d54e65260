#include "correlator/detector_metrics.h"

#include "common/metrics.h"

namespace hinomi::correlator {

DetectorMetrics& DetectorMetrics::get() {
  static DetectorMetrics m = [] {
    auto& r = metrics::registry();
    auto counter = [&r](const char* name, const char* help) {
      return &prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
    };
    auto gauge = [&r](const char* name, const char* help) {
      return &prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
    };
    DetectorMetrics d;
    d.events = counter("hinomi_correlator_events_total", "Events read from the events topic (valid or not)");
    d.invalid = counter("hinomi_correlator_events_invalid_total",
                        "Records of the events topic that are not an event (bad JSON or fields); skipped");
    d.decoded = counter("hinomi_correlator_events_decoded_total", "Events at least one decoder applied to");
    d.rule_matches = &prometheus::BuildCounter()
                          .Name("hinomi_correlator_rule_matches_total")
                          .Help("Events a rule matched, per rule id (each raises one incident)")
                          .Register(r);
    d.published = counter("hinomi_correlator_incidents_published_total",
                          "Incidents the bus confirmed on the incidents topic (a re-sent one counts again)");
    d.rejected = counter("hinomi_correlator_incidents_rejected_total",
                         "Incidents the bus refused for good (logged as errors); lost");
    d.retries = counter("hinomi_correlator_incident_retries_total",
                        "Incident publishes the bus answered with retry; re-sent after a back-off");
    d.commit_failures = counter("hinomi_correlator_commit_failures_total",
                                "Offset commits that failed; retried, and a restart re-processes those events");
    // 100 µs .. ~13 s: a batch of 500 decoded and matched in-memory is milliseconds; waiting for a
    // Kafka acks=all round trip or retries after a broker outage takes seconds.
    d.batch_duration = &prometheus::BuildHistogram()
                            .Name("hinomi_correlator_batch_duration_seconds")
                            .Help("Time from a poll's records to their committed offsets")
                            .Register(r)
                            .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001,
                                                                             0.0025, 0.005, 0.01, 0.025, 0.05,
                                                                             0.1, 0.25, 0.5, 1, 2.5, 5, 13});
    d.event_lag = gauge("hinomi_correlator_event_lag_seconds",
                        "Now minus the ingest time of the last event processed");
    d.decoders_loaded = gauge("hinomi_correlator_decoders_loaded", "Decoders loaded at start");
    d.rules_loaded = gauge("hinomi_correlator_rules_loaded", "Detection rules loaded and compiled at start");
    d.correlations_loaded = gauge("hinomi_correlator_correlations_loaded", "Correlation rules loaded at start (docs/correlations.md)");
    d.rules_refused = gauge("hinomi_correlator_rules_refused", "Rule documents refused at start (logged with FILE:LINE)");
    d.state_commit_failures = counter("hinomi_correlator_state_commit_failures_total",
                                      "Writes of the correlation windows and their offsets that failed; retried");
    d.events_already_counted = counter("hinomi_correlator_events_already_counted_total",
                                       "Events read again after a restart that the stored windows already held; skipped");
    d.open_groups = gauge("hinomi_correlator_open_groups",
                          "Correlation groups with an open window (RocksDB's estimate when the windows are stored)");
    d.matches_published = counter("hinomi_correlator_matches_published_total",
                                  "Match records (and clock ticks) the match stage published on the matches topic");
    d.matches_read = counter("hinomi_correlator_matches_total",
                             "Records the windows stage read from the matches topic (matches and ticks)");
    d.matches_already_counted = counter("hinomi_correlator_matches_already_counted_total",
                                        "Matches published again by a restarted match stage; counted once");
    d.groups_in_memory = gauge("hinomi_correlator_groups_in_memory",
                               "Correlation groups held in memory (at most correlator.max_groups_in_memory)");
    d.groups_evicted = counter("hinomi_correlator_groups_evicted_total",
                               "Correlation groups dropped from memory beyond the bound (still in RocksDB)");
    d.groups_read_back = counter("hinomi_correlator_groups_read_back_total",
                                 "Correlation groups read back from RocksDB when seen again after eviction or a restart");
    d.state_restore_seconds = gauge("hinomi_correlator_state_restore_seconds",
                                    "Time the last start took to load the correlation windows from RocksDB");
    return d;
  }();
  return m;
}

}  // namespace hinomi::correlator
