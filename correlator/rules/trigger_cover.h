#pragma once
// Which of a rule's set patterns must fire before the rule is worth evaluating. A cover is a set
// of patterns such that the condition can only hold when one of them fired: for `a and b` either
// side's cover will do (so the rarer is taken), for `a or b` both are needed, and a `not`, a
// non-set predicate or a route gate standing alone leaves no cover (the rule is evaluated for
// every event). Taking `User: svc_x` rather than `Outcome: failure` as the trigger of a rule
// that needs both keeps a common value from waking hundreds of rules on every event.

#include <functional>
#include <optional>
#include <vector>

#include "correlator/rules/rule.h"

namespace hinomi::rules {

// `pattern_of(p)`: the global pattern id of predicate p when it is a set predicate and not a gate,
// else -1. `cost(pattern)`: how often the pattern is expected to fire (lower is rarer).
// Returns the cover's pattern ids (sorted, unique), or nullopt when there is none.
std::optional<std::vector<int>> triggerCover(const Rule& rule, const std::function<int(int)>& pattern_of,
                                             const std::function<double(int)>& cost);

}  // namespace hinomi::rules
