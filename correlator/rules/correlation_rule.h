#pragma once
// A Sigma correlation rule (SigmaHQ's correlation specification v2): a rule over other rules'
// matches, counted per group in a time window. hinomi adds `absence` (docs/correlations.md).
//
//   title: SSH brute force from one source
//   correlation:
//     type: event_count            # value_count | temporal | temporal_ordered | absence
//     rules: [sshd_failed_login]   # ids or `name`s of rules or other correlations
//     group-by: [SourceIp]         # Sigma names, mapped per referenced rule like its fields
//     timespan: 60s                # Ns, Nm, Nh, Nd
//     condition: {gte: 5}          # gt/gte/lt/lte/eq, two make a range; value_count adds field:
//   level: high

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "correlator/rules/rule.h"

namespace hinomi::rules {

enum class CorrelationType { kEventCount, kValueCount, kTemporal, kTemporalOrdered, kAbsence };

const char* correlationTypeName(CorrelationType t);

// A count's bounds: every one given must hold. Empty = "at least one" (temporal: every rule).
struct CountCondition {
  std::optional<uint64_t> gt, gte, lt, lte, eq;
  bool holds(uint64_t n) const;
  // An upper bound (lt, lte, eq) can stop holding as more events arrive, so such a condition is
  // judged once, when the window closes; a lower bound alone is judged as each event arrives.
  bool judgedAtClose() const { return lt || lte || eq; }
  bool empty() const { return !gt && !gte && !lt && !lte && !eq; }
};

struct CorrelationRule {
  std::string id;
  std::string name;
  std::string title;
  std::string status;
  std::string level;
  std::string description;
  std::vector<std::string> tags;
  CorrelationType type = CorrelationType::kEventCount;
  std::vector<std::string> rules;     // as written: ids or names
  std::vector<std::string> group_by;  // as written (Sigma names or aliases)
  // alias → (referenced rule's name or id → the field it stands for in that rule's events)
  std::map<std::string, std::map<std::string, std::string>> aliases;
  int64_t timespan_us = 0;
  CountCondition condition;
  std::string value_field;  // value_count: the field whose distinct values are counted
  bool generate = false;    // also raise the referenced rules' own incidents
  Location location;
};

// "90s", "5m", "1h", "2d" → microseconds; nullopt when malformed or not positive.
std::optional<int64_t> parseTimespan(const std::string& text);

}  // namespace hinomi::rules
