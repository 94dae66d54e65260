#pragma once
// Stateful correlation (docs/correlations.md): the detection rules an event matched go in, the
// incidents of the correlations they complete come out. Event time drives every window; a
// correlation's state is kept per (tenant, group-by values), so tenants never share a window.
//
//   sliding windows    event_count / value_count with lower bounds only (gt, gte), temporal and
//                      temporal_ordered: judged as each event arrives, over the last `timespan`
//   closing windows    event_count / value_count with an upper bound (lt, lte, eq, ranges): a
//                      window opens at a group's first event and is judged once it has closed
//   absence            one rule: a group seen, then silent for `timespan`; two: the first rule not
//                      followed by the second within `timespan`
//
// After a correlation fires for a group, further matches within its window join that incident
// (suppression: one incident per group per window); when the window closes and more events joined,
// the incident is emitted again with the same id and its final count. Closing needs a notion of
// "now": each tenant's watermark, the latest event time seen (clamped to ingest time plus the
// allowed clock skew, so one host with a clock in the future cannot close everyone's windows),
// less the allowed lateness. Pure and deterministic: the same input gives the same incidents.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "common/event.h"
#include "correlator/incident.h"
#include "correlator/rules/correlation_set.h"

namespace hinomi::correlator {

struct CorrelationOptions {
  int64_t allowed_lateness_us = 0;            // out-of-order events this late still count
  int64_t max_clock_skew_us = 300'000'000;    // how far an event time may run ahead of ingest time
};

struct CorrelationStats {
  uint64_t ungrouped = 0;   // matches lacking a group-by field: not counted
  uint64_t late = 0;        // matches older than their window allows: not counted
  uint64_t fired = 0;       // first emissions
  uint64_t updated = 0;     // re-emissions with a final count
  size_t open_groups = 0;
};

class CorrelationEngine {
 public:
  CorrelationEngine(std::shared_ptr<const rules::CorrelationSet> set, CorrelationOptions options);
  ~CorrelationEngine();
  CorrelationEngine(CorrelationEngine&&) noexcept;

  // `matched` are indexes into the RuleSet's rules (the detection rules `event` matched, in any
  // order). Appends the incidents completed by this event and by the time it moved on to `out`.
  void onEvent(const Event& event, const std::vector<int>& matched, std::vector<Incident>& out);
  // End of input: judges every closing window whose end the final watermark passed and emits the
  // final counts of suppressed incidents. Windows still open stay unjudged (they are not complete).
  void finish(std::vector<Incident>& out);

  CorrelationStats stats() const;

  // Durable state (window_store.h). A changed group is a key (the correlation's rule id, NUL, the
  // group key) and its state, or no value when the group is gone. takeChanges() hands over every
  // group changed since its last call; clockState() is the rest (watermarks, timer order).
  struct StateChange {
    std::string key;
    std::optional<std::string> value;
  };
  std::vector<StateChange> takeChanges();
  std::string clockState() const;
  // Into a fresh engine: what takeChanges() and clockState() gave. A group of a correlation no
  // longer loaded is dropped (false, so the caller can delete it); bytes it cannot read throw
  // nothing and return false as well.
  bool restoreGroup(std::string_view key, std::string_view value);
  bool restoreClock(std::string_view value);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hinomi::correlator
