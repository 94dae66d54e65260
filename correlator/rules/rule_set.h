#pragma once
// The compiled, immutable set of rules. Every pattern predicate (wildcards, contains / startswith /
// endswith, re, windash, base64*) of every rule joins one RE2::Set per event field, so an event is
// scanned once per field whatever the number of rules; values compared whole with plain text are
// looked up in a hash per field instead. Rules whose predicates fired are the
// candidates; only they are evaluated fully (their condition, plus their cidr / numeric / exists /
// null / fieldref predicates). A rule that could match with none of its set predicates firing
// (its condition holds on negations or non-set predicates alone, e.g. `not filter`) is evaluated
// for every event. Fields that only routed rules test are read only when the event passes one of
// their routes. match() is const and thread-safe, and allocates only its result.

#include <memory>
#include <string>
#include <vector>

#include "common/event.h"
#include "common/result.h"
#include "correlator/rules/rule.h"

namespace hinomi::rules {

class RuleSet {
 public:
  // Compiles the rules (field names already mapped). Fails only when RE2 cannot build a set.
  [[nodiscard]] static Result<RuleSet> build(std::vector<Rule> rules);

  RuleSet();
  ~RuleSet();
  RuleSet(RuleSet&&) noexcept;
  RuleSet& operator=(RuleSet&&) noexcept;

  // The rules that match, in load order.
  std::vector<const Rule*> match(const Event& event) const;
  std::vector<std::string> matchIds(const Event& event) const;
  // The reference: every rule, every predicate compiled and tried on its own. Slow; for tests.
  std::vector<std::string> matchNaive(const Event& event) const;

  const std::vector<Rule>& rules() const;
  size_t size() const { return rules().size(); }

  struct Stats {
    size_t scanned_fields = 0;      // one RE2::Set and / or exact-value index each
    size_t set_patterns = 0;        // distinct patterns over all sets
    size_t always_evaluated = 0;    // rules evaluated for every event
    size_t exact_patterns = 0;      // of set_patterns: plain values looked up, not scanned
    size_t routed_fields = 0;       // of scanned_fields: read only when a route lets the event in
  };
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hinomi::rules
