#include "playbooks/responder_metrics.h"

#include "common/metrics.h"

namespace hinomi::playbooks {

ResponderMetrics& ResponderMetrics::get() {
  static ResponderMetrics m = [] {
    auto& r = metrics::registry();
    auto counter = [&r](const char* name, const char* help) {
      return &prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
    };
    ResponderMetrics d;
    d.incidents = &prometheus::BuildCounter()
                       .Name("hinomi_responder_incidents_total")
                       .Help("Incidents taken from the incidents topic, by outcome: opened (a new case), joined "
                             "(an open case), duplicate (seen before), no_playbook (no playbook selects it)")
                       .Register(r);
    d.malformed = counter("hinomi_responder_incidents_malformed_total",
                          "Records of the incidents topic that are not an incident; logged and skipped");
    d.store_failures = counter("hinomi_responder_store_failures_total",
                               "Incidents the case store could not write; read again after a back-off");
    d.commit_failures = counter("hinomi_responder_commit_failures_total",
                                "Offset commits of the incidents topic that failed (the records come back as duplicates)");
    d.playbooks_loaded = &prometheus::BuildGauge()
                              .Name("hinomi_responder_playbooks_loaded")
                              .Help("Playbooks loaded without errors")
                              .Register(r)
                              .Add({});
    d.cases = &prometheus::BuildGauge()
                   .Name("hinomi_responder_cases")
                   .Help("Cases by state (open, acknowledged, closed) in the case store")
                   .Register(r);
    d.steps = &prometheus::BuildCounter()
                   .Name("hinomi_responder_steps_total")
                   .Help("Playbook steps finished, by kind and outcome (done, failed, skipped, refused, denied, dry_run)")
                   .Register(r);
    d.deliveries = &prometheus::BuildCounter()
                        .Name("hinomi_responder_deliveries_total")
                        .Help("Notifications to one address, by channel (email, webhook, chat) and outcome "
                              "(sent, failed, skipped, dry_run)")
                        .Register(r);
    d.escalations = counter("hinomi_responder_escalations_total",
                            "Roles called because a case was not acknowledged within the tenant's deadline, and "
                            "approvals that timed out to the next role");
    d.retries = counter("hinomi_responder_retries_total", "Attempts of notifications and actions after a failure");
    d.refused = counter("hinomi_responder_containment_refused_total",
                        "Containment actions refused because their target is on responder.never_touch");
    d.deferred = counter("hinomi_responder_containment_deferred_total",
                         "Containment actions held to the next minute by responder.max_actions_per_minute");
    d.commands = counter("hinomi_responder_commands_total",
                         "Commands of people (acknowledge, approve, deny, complete, close, comment) applied");
    const prometheus::Histogram::BucketBoundaries human = {60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200};
    d.time_to_ack = &prometheus::BuildHistogram()
                         .Name("hinomi_responder_time_to_acknowledge_seconds")
                         .Help("From a case opening to a person acknowledging it")
                         .Register(r)
                         .Add({}, human);
    d.time_to_contain = &prometheus::BuildHistogram()
                             .Name("hinomi_responder_time_to_contain_seconds")
                             .Help("From a case opening to its last containment (被害拡大の防止) action finishing")
                             .Register(r)
                             .Add({}, human);
    d.first_notification = &prometheus::BuildHistogram()
                                .Name("hinomi_responder_first_notification_seconds")
                                .Help("From a case opening to its first notification sent")
                                .Register(r)
                                .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
    return d;
  }();
  return m;
}

}  // namespace hinomi::playbooks
