#include "correlator/rules/rule_set.h"

#include <algorithm>
#include <map>

#include <re2/re2.h>
#include <re2/set.h>

#include "correlator/rules/field_access.h"

namespace hinomi::rules {
namespace {

// The DFA budget of each set. At RE2's 8 MiB default a 1,000-pattern set ran 2.5x slower
// (style.md); memory is only taken as the DFA actually grows.
constexpr int64_t kSetMaxMem = int64_t{1} << 30;

bool equalsFolded(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool hasNot(const Condition& c) {
  if (c.type == Condition::Type::kNot) return true;
  for (const auto& ch : c.children)
    if (hasNot(ch)) return true;
  return false;
}

// Evaluates a condition given a truth value per predicate (a callback, so the set path, the naive
// path and the candidate analysis share it).
template <typename PredFn>
bool evalSelection(const Rule& rule, const Selection& sel, PredFn& pred) {
  for (const auto& conj : sel.alternatives) {
    bool all_hold = true;
    for (const auto& item : conj) {
      bool hold = item.all;
      for (int p : item.predicates) {
        bool v = pred(p);
        if (item.all && !v) { hold = false; break; }
        if (!item.all && v) { hold = true; break; }
      }
      if (!hold) { all_hold = false; break; }
    }
    if (all_hold) return true;
  }
  (void)rule;
  return false;
}

template <typename PredFn>
bool evalCondition(const Rule& rule, const Condition& c, PredFn& pred) {
  switch (c.type) {
    case Condition::Type::kSelection:
      return evalSelection(rule, rule.selections[c.selection], pred);
    case Condition::Type::kNot:
      return !evalCondition(rule, c.children[0], pred);
    case Condition::Type::kAnd:
      for (const auto& ch : c.children)
        if (!evalCondition(rule, ch, pred)) return false;
      return true;
    case Condition::Type::kOr:
      for (const auto& ch : c.children)
        if (evalCondition(rule, ch, pred)) return true;
      return false;
  }
  return false;
}

struct CompiledPredicate {
  int rule = 0;
  bool in_set = false;
  bool gate = false;
  FieldRef field;
  FieldRef other;
};

// Predicates that are not in a set (and, for the naive path, patterns too).
bool evalDirect(const Predicate& p, const CompiledPredicate& cp, const Event& e) {
  std::string text;
  bool present = fieldText(e, cp.field, text);
  switch (p.kind) {
    case PredicateKind::kPattern: {
      if (!present) return false;
      RE2 re(p.pattern);
      return re.ok() && RE2::PartialMatch(text, re);
    }
    case PredicateKind::kNull:
      return !present || text.empty();
    case PredicateKind::kExists:
      return (present && !text.empty()) == p.exists;
    case PredicateKind::kNumeric: {
      double v = 0;
      if (!fieldNumber(e, cp.field, v)) return false;
      switch (p.op) {
        case NumericOp::kLt: return v < p.number;
        case NumericOp::kLte: return v <= p.number;
        case NumericOp::kGt: return v > p.number;
        case NumericOp::kGte: return v >= p.number;
      }
      return false;
    }
    case PredicateKind::kCidr: {
      if (!present) return false;
      auto ip = parseIp(text);
      return ip && p.cidr.contains(*ip);
    }
    case PredicateKind::kFieldRef: {
      std::string other;
      return present && fieldText(e, cp.other, other) && equalsFolded(text, other);
    }
  }
  return false;
}

}  // namespace

struct RuleSet::Impl {
  std::vector<Rule> rules;
  std::vector<int> base;                    // rule → its first global predicate id
  std::vector<CompiledPredicate> preds;     // by global id
  struct FieldScan {
    FieldRef field;
    std::unique_ptr<RE2::Set> set;
    std::vector<std::vector<int>> owners;   // set pattern index → global predicate ids
  };
  std::vector<FieldScan> scans;
  std::vector<int> always;                  // rules evaluated for every event
  size_t patterns = 0;
};

RuleSet::RuleSet() : impl_(std::make_unique<Impl>()) {}
RuleSet::~RuleSet() = default;
RuleSet::RuleSet(RuleSet&&) noexcept = default;
RuleSet& RuleSet::operator=(RuleSet&&) noexcept = default;

const std::vector<Rule>& RuleSet::rules() const { return impl_->rules; }

RuleSet::Stats RuleSet::stats() const {
  return Stats{impl_->scans.size(), impl_->patterns, impl_->always.size()};
}

Result<RuleSet> RuleSet::build(std::vector<Rule> rules) {
  RuleSet out;
  auto& im = *out.impl_;
  im.rules = std::move(rules);
  RE2::Options opts;
  opts.set_max_mem(kSetMaxMem);
  opts.set_log_errors(false);
  std::map<std::string, size_t> scan_of;                   // field name → scans index
  std::vector<std::map<std::string, int>> pattern_index;   // per scan: pattern → set index
  for (size_t r = 0; r < im.rules.size(); ++r) {
    const Rule& rule = im.rules[r];
    im.base.push_back(static_cast<int>(im.preds.size()));
    for (const auto& p : rule.predicates) {
      CompiledPredicate cp;
      cp.rule = static_cast<int>(r);
      cp.gate = p.gate;
      cp.field = resolveField(p.field);
      if (p.kind == PredicateKind::kFieldRef) cp.other = resolveField(p.other_field);
      if (p.kind == PredicateKind::kPattern) {
        cp.in_set = true;
        auto [it, fresh] = scan_of.emplace(p.field, im.scans.size());
        if (fresh) {
          im.scans.push_back(Impl::FieldScan{cp.field, std::make_unique<RE2::Set>(opts, RE2::UNANCHORED), {}});
          pattern_index.emplace_back();
        }
        auto& scan = im.scans[it->second];
        auto& index = pattern_index[it->second];
        auto found = index.find(p.pattern);
        if (found == index.end()) {
          std::string error;
          int i = scan.set->Add(p.pattern, &error);
          if (i < 0)
            return makeError(ErrorCode::kConfig, "rule " + rule.id + ": pattern for '" + p.field + "' rejected by RE2: " + error);
          found = index.emplace(p.pattern, i).first;
          scan.owners.emplace_back();
          ++im.patterns;
        }
        scan.owners[found->second].push_back(static_cast<int>(im.preds.size()));
      }
      im.preds.push_back(std::move(cp));
    }
    // With no `not` the condition is monotone: if it fails when every trigger (a set predicate
    // that is not a route gate) is false and everything else is true, the rule can only match
    // when one of its triggers fired, so it need not be evaluated otherwise.
    bool always = hasNot(rule.condition);
    if (!always) {
      int base = im.base.back();
      auto optimistic = [&](int p) {
        const auto& cp = im.preds[base + p];
        return !(cp.in_set && !cp.gate);
      };
      always = evalCondition(rule, rule.condition, optimistic);
    }
    if (always) im.always.push_back(static_cast<int>(r));
  }
  for (auto& scan : im.scans)
    if (!scan.set->Compile())  // matching an uncompiled set crashes libre2
      return makeError(ErrorCode::kConfig, "RE2 could not compile the rule set for field '" +
                                               scan.field.key + "' (out of memory?)");
  return out;
}

std::vector<const Rule*> RuleSet::match(const Event& event) const {
  const auto& im = *impl_;
  std::vector<int> fired;
  std::vector<int> hits;
  std::string text;
  for (const auto& scan : im.scans) {
    if (!fieldText(event, scan.field, text)) continue;
    hits.clear();
    if (!scan.set->Match(text, &hits)) continue;
    for (int h : hits) fired.insert(fired.end(), scan.owners[h].begin(), scan.owners[h].end());
  }
  std::sort(fired.begin(), fired.end());
  std::vector<int> candidates(im.always);
  for (int gp : fired)
    if (!im.preds[gp].gate) candidates.push_back(im.preds[gp].rule);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

  std::vector<const Rule*> out;
  for (int r : candidates) {
    const Rule& rule = im.rules[r];
    int base = im.base[r];
    auto value = [&](int p) {
      const auto& cp = im.preds[base + p];
      if (cp.in_set) return std::binary_search(fired.begin(), fired.end(), base + p);
      return evalDirect(rule.predicates[p], cp, event);
    };
    if (evalCondition(rule, rule.condition, value)) out.push_back(&rule);
  }
  return out;
}

std::vector<std::string> RuleSet::matchIds(const Event& event) const {
  std::vector<std::string> ids;
  for (const Rule* r : match(event)) ids.push_back(r->id);
  return ids;
}

std::vector<std::string> RuleSet::matchNaive(const Event& event) const {
  const auto& im = *impl_;
  std::vector<std::string> ids;
  for (size_t r = 0; r < im.rules.size(); ++r) {
    const Rule& rule = im.rules[r];
    int base = im.base[r];
    auto value = [&](int p) { return evalDirect(rule.predicates[p], im.preds[base + p], event); };
    if (evalCondition(rule, rule.condition, value)) ids.push_back(rule.id);
  }
  return ids;
}

}  // namespace hinomi::rules
