#pragma once
// Runs rule fixtures (rule_fixtures.h) against a compiled RuleSet: each `line` case parsed (format
// auto) and decoded exactly as `hinomi decode` / `hinomi replay` do (line_decoder.h), each `event`
// case matched as written; a case passes when its rule fired (`fire`) or did not (`no_fire`).

#include <cstdint>
#include <vector>

#include "common/event.h"
#include "common/result.h"
#include "correlator/decoders/decoder_set.h"
#include "correlator/enrich/tenant_policy.h"
#include "correlator/incident.h"
#include "correlator/rules/correlation_set.h"
#include "correlator/rules/rule_fixtures.h"
#include "correlator/rules/rule_set.h"

namespace hinomi::rules {

struct CaseResult {
  const Rule* rule = nullptr;  // the rule the fixture names; points into the RuleSet
  const CorrelationRule* correlation = nullptr;  // or the correlation a script tests
  std::vector<correlator::Incident> incidents;   // script: the correlation's incidents
  std::string mismatch;                          // script: how they differ from `expect`
  Location location;           // the case in its fixture file
  bool expect_fire = true;
  bool fired = false;
  Event event;                 // what was matched: the decoded line, or the event as written
  bool passed() const { return correlation ? mismatch.empty() : fired == expect_fire; }
};

struct FixtureRun {
  std::vector<CaseResult> cases;       // in fixture order
  std::vector<Error> errors;           // fixtures naming a rule that is not loaded (refused or absent)
  std::vector<const Rule*> untested;   // loaded rules no fixture names, by file and line
  std::vector<const CorrelationRule*> untested_correlations;
  size_t passed = 0;
  size_t failed = 0;
};

// `now_us` is the ingest time of line cases (and the year reference of year-less timestamps).
FixtureRun runFixtures(const std::vector<RuleFixture>& fixtures, const RuleSet& rules,
                       const correlator::DecoderSet& decoders, int64_t now_us,
                       const correlator::TenantPolicies* tenants = nullptr,
                       const CorrelationSet* correlations = nullptr);

}  // namespace hinomi::rules
