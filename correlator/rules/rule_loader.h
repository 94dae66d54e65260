#pragma once
// Loads every Sigma rule under some directories into one RuleSet: pipelines first (files under a
// folder named `pipelines`), then every *.yml / *.yaml rule file, in path order. Files under a folder
// named `tests` are rule fixtures (rule_fixtures.h) and are skipped. Refusals are
// collected, never fatal: the rules that load are compiled and matched.

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "correlator/rules/correlation_set.h"
#include "correlator/rules/rule_set.h"

namespace hinomi::rules {

struct LoadedRules {
  std::shared_ptr<const RuleSet> set;  // null only when RE2 could not compile the set
  std::shared_ptr<const CorrelationSet> correlations;  // set with `set`; empty when none are loaded
  std::vector<Error> errors;           // every refusal (and I/O or pipeline error), located
  int refused = 0;                     // rules (documents) refused, correlations included
  std::vector<Error> warnings;         // rules that load but look wrong (never match, unmapped fields)
  size_t pipelines = 0;
};

// `paths` are directories (searched recursively) or single rule files; one given twice (the
// config's folder again with --rules) is loaded once.
LoadedRules loadRules(const std::vector<std::string>& paths);

// `paths` without the repeats: the first of those naming the same file or folder is kept.
std::vector<std::string> distinctPaths(const std::vector<std::string>& paths);

// Why a loaded rule (fields mapped) can never match or looks unwired; empty when none.
std::vector<std::string> lintRule(const Rule& rule, const std::vector<std::string>& unmapped_fields);

}  // namespace hinomi::rules
