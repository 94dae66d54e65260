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
    return d;
  }();
  return m;
}

}  // namespace hinomi::playbooks
