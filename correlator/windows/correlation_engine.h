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
//
// Memory: attached to a backing store (window_backing.h) and given max_groups_in_memory, the
// engine keeps only the most recently used groups; the others are read back when seen again, and
// their deadlines are found in the store's timer index, merged in (time, sequence) order with the
// timers in memory, so a bounded engine raises exactly what an unbounded one does.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "common/event.h"
#include "correlator/incident.h"
#include "correlator/rules/correlation_set.h"
#include "correlator/windows/window_backing.h"

namespace hinomi::correlator {

struct CorrelationOptions {
  int64_t allowed_lateness_us = 0;            // out-of-order events this late still count
  int64_t max_clock_skew_us = 300'000'000;    // how far an event time may run ahead of ingest time
  // With a backing: groups kept in memory at most (shrink() evicts the least recently used
  // beyond it); 0: no bound.
  size_t max_groups_in_memory = 0;
};

struct CorrelationStats {
  uint64_t ungrouped = 0;   // matches lacking a group-by field: not counted
  uint64_t late = 0;        // matches older than their window allows: not counted
  uint64_t fired = 0;       // first emissions
  uint64_t updated = 0;     // re-emissions with a final count
  uint64_t evicted = 0;     // groups dropped from memory (their state is in the backing)
  uint64_t read_back = 0;   // groups read back from the backing
  uint64_t unreadable = 0;  // stored groups that could not be decoded: started afresh
  size_t groups_in_memory = 0;
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

  // onEvent in parts, for a match stage and a window stage in different places (detector.h):
  // the (correlation, reference) uses the rules `matched` feed, in the order onEvent runs them;
  std::vector<std::pair<int, int>> uses(const std::vector<int>& matched) const;
  // the key of the group a use counts `event` in (tenant, NUL, group-by values), nullopt when the
  // event lacks a group-by field (the use counts nothing);
  std::optional<std::string> groupKey(int ci, int ri, const Event& event) const;
  // the time `event` moves its tenant's clock to (its time, at most ingest time + the skew);
  int64_t clampedTime(const Event& event) const;
  // moves a clock to `time` (never back) and appends what the timers it passed raise. onEvent's
  // clock is the event's tenant; a windows stage keeps one per tenant and matches partition, as a
  // partition's records keep the match stage's order while partitions run at their own pace;
  void advance(const std::string& clock, int64_t time, std::vector<Incident>& out);
  // counts `event` as a match of reference `ri` of correlation `ci` (after advance()), its group's
  // windows closed by `clock`; indexes out of range count nothing.
  void onMatch(int ci, int ri, const Event& event, const std::string& clock, std::vector<Incident>& out);
  int correlationIndex(std::string_view rule_id) const;  // -1: not loaded
  const std::string& correlationId(int ci) const;

  CorrelationStats stats() const;

  // Durable state (window_store.h). A changed group is a key (the correlation's rule id, NUL, the
  // group key) and its state, or no value when the group is gone; a timer index entry is a key
  // (tenant, NUL, due time and sequence, big-endian) and the group's key, or no value when it is
  // done. takeChanges() hands over every change since its last call; clockState() is the rest
  // (watermarks, timer order).
  struct StateChange {
    enum class Kind { kGroup, kTimer };
    Kind kind = Kind::kGroup;
    std::string key;
    std::optional<std::string> value;
  };
  std::vector<StateChange> takeChanges();
  std::string clockState() const;
  // Into a fresh engine, before its first event: what clockState() gave; false when unreadable.
  bool restoreClock(std::string_view value);
  // Into a fresh engine, before its first event: groups and timers not in memory are read from
  // `backing` (which outlives the engine) from now on.
  void attach(WindowBacking* backing);
  // Evicts the least recently used groups beyond max_groups_in_memory. Only once every change
  // was taken (takeChanges) and written, so what is evicted can be read back.
  void shrink();
  // Whether a correlation with this rule id is loaded (stored groups of others are dropped).
  bool hasCorrelation(std::string_view rule_id) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hinomi::correlator
