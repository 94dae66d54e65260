#pragma once
// Correlation rules compiled against the loaded detection rules: each reference resolved (by id or
// name) to a detection rule or to another correlation (chaining), each group-by name mapped to the
// event field it reads in that reference's events (pipelines, aliases), and the correlations put in
// an order where a referenced correlation comes before the one that uses it. Immutable.

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "correlator/rules/correlation_rule.h"
#include "correlator/rules/field_access.h"
#include "correlator/rules/field_mapping.h"
#include "correlator/rules/rule_set.h"

namespace hinomi::rules {

struct CorrelationRef {
  bool is_correlation = false;
  int index = -1;                       // into RuleSet::rules() or CorrelationSet::correlations()
  std::vector<FieldRef> group_fields;   // one per group-by entry
  FieldRef value_field;                 // value_count
};

struct CompiledCorrelation {
  CorrelationRule rule;
  std::vector<CorrelationRef> refs;     // in the rule's order (temporal_ordered: the order required)
  std::vector<std::string> group_keys;  // the incident's `group` keys: the mapped field, or the alias
  // Only feeds other correlations, none of which has `generate: true`: its incidents are chain
  // steps, not published on their own (as for detection rules).
  bool silent = false;
};

struct CorrelationCompile;

class CorrelationSet {
 public:
  const std::vector<CompiledCorrelation>& correlations() const { return correlations_; }
  size_t size() const { return correlations_.size(); }
  bool empty() const { return correlations_.empty(); }
  // (correlation, ref) pairs a detection rule feeds; empty for most rules.
  const std::vector<std::pair<int, int>>& usersOfRule(size_t rule) const;
  const std::vector<std::pair<int, int>>& usersOfCorrelation(size_t correlation) const;
  // False for a detection rule that only feeds correlations (Sigma's default `generate: false`):
  // its own single-event incidents are not raised.
  bool raisesOwnIncidents(size_t rule) const;
  // A copy where the correlation with this id raises its incidents even if it only feeds others:
  // `rules test` checks a chain step's own script this way. Null when no correlation has the id.
  std::shared_ptr<const CorrelationSet> withLoud(const std::string& correlation_id) const;

 private:
  friend struct CorrelationCompile;
  std::vector<CompiledCorrelation> correlations_;
  std::vector<std::vector<std::pair<int, int>>> rule_users_, correlation_users_;
  std::vector<bool> rule_silent_;
};

struct CompiledCorrelations {
  std::shared_ptr<const CorrelationSet> set;  // never null
  std::vector<Error> errors;                  // located at the refused correlation
  int refused = 0;
};

// Correlations whose references cannot be resolved, whose group-by cannot be mapped for every
// reference, or that form a cycle are refused; the others compile.
CompiledCorrelations compileCorrelations(std::vector<CorrelationRule> correlations, const RuleSet& rules,
                                         const std::vector<Pipeline>& pipelines);

}  // namespace hinomi::rules
