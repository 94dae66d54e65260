#pragma once
// Reads Sigma rules as SigmaHQ publishes them: one rule per YAML document, several documents per
// file allowed. A rule using anything outside the supported subset (docs/rules.md) is refused with
// FILE:LINE:COL and the reason; the file's other rules still load.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "correlator/rules/correlation_rule.h"
#include "correlator/rules/rule.h"

namespace hinomi::rules {

struct ReadResult {
  std::vector<Rule> rules;    // field names as written in the rule (not mapped yet)
  std::vector<CorrelationRule> correlations;  // documents with a `correlation` section
  std::vector<Error> errors;  // every reason, each with its location
  int refused = 0;            // documents refused (one may carry several errors)
};

// Never throws: YAML syntax errors become refusals too.
ReadResult readSigmaText(std::string_view text, const std::string& file);
ReadResult readSigmaFile(const std::string& path);

}  // namespace hinomi::rules
