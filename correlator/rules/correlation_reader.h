#pragma once
// Reads one YAML document holding a Sigma correlation rule (correlation_rule.h). The Sigma reader
// hands it every document with a `correlation` key; like rules, every problem is reported with
// FILE:LINE:COL and the document is refused.

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/result.h"
#include "correlator/rules/correlation_rule.h"

namespace hinomi::rules {

// True when `doc` became `out`; otherwise the reasons were appended to `errors`.
bool readCorrelationDocument(const YAML::Node& doc, const std::string& file, const std::string& fallback_id,
                             CorrelationRule& out, std::vector<Error>& errors);

}  // namespace hinomi::rules
