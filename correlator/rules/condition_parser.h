#pragma once
// Sigma's `condition`: a small recursive-descent parser. Precedence not > and > or; parentheses;
// `1 of PATTERN`, `all of PATTERN`, `1 of them`, `all of them` expand to an or / and of the
// selections they name. Errors name the 1-based column in the condition string.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "correlator/rules/rule.h"

namespace hinomi::rules {

// `selections` are the rule's selection names in order; a kSelection node holds an index there.
[[nodiscard]] Result<Condition> parseCondition(std::string_view text,
                                               const std::vector<std::string>& selections);

// For messages and tests: the condition back as text, fully parenthesised.
std::string toString(const Condition& c, const std::vector<std::string>& selections);

}  // namespace hinomi::rules
