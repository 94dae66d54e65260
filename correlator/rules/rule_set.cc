#include "correlator/rules/rule_set.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>

#include <re2/re2.h>
#include <re2/set.h>

#include "correlator/rules/field_access.h"
#include "correlator/rules/trigger_cover.h"

namespace hinomi::rules {
namespace {

// The DFA budget of each set. At RE2's 8 MiB default a 1,000-pattern set ran 2.5x slower
// (style.md); memory is only taken as the DFA actually grows.
constexpr int64_t kSetMaxMem = int64_t{1} << 30;

bool equalsFolded(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}


// `text` lowercased (ASCII) into `out`; false, leaving `out` unspecified, if it is not all ASCII.
bool asciiLowerInto(std::string_view text, std::string& out) {
  out.resize(text.size());
  unsigned char high = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    high |= c;
    out[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
  }
  return high < 0x80;
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
  int pattern = -1;  // in_set: the global pattern id (its bit in MatchScratch::fired)
  FieldRef field;
  FieldRef other;
};

// Per-thread working memory of match(), reused so that matching allocates nothing in the steady
// state. `fired` is a bitmap over global pattern ids, cleared after each event through `hits`.
struct MatchScratch {
  std::vector<uint64_t> fired;
  std::vector<int> fired_list;
  std::vector<int> set_hits;
  std::vector<uint32_t> stamp;  // rule → epoch it was last made a candidate
  uint32_t epoch = 0;
  std::vector<int> candidates;
  std::string text;
  std::string folded;
  std::vector<uint8_t> active;  // route group → the event passes its route
};

MatchScratch& scratch(size_t patterns, size_t rules) {
  thread_local MatchScratch s;
  if (s.fired.size() * 64 < patterns) s.fired.resize(patterns / 64 + 1, 0);
  if (s.stamp.size() < rules) s.stamp.resize(rules, 0);
  if (++s.epoch == 0) {  // wrapped: forget every stamp
    std::fill(s.stamp.begin(), s.stamp.end(), 0);
    s.epoch = 1;
  }
  return s;
}

// Predicates that are not in a set (and, for the naive path, patterns too).
bool evalDirect(const Predicate& p, const CompiledPredicate& cp, const Event& e) {
  // Read in place (no copy): a route's `observer.vendor: null` is decided for nearly every event.
  std::string scratch;
  std::string_view text;
  bool present = fieldView(e, cp.field, scratch, text);
  switch (p.kind) {
    case PredicateKind::kPattern: {
      if (!present) return false;
      RE2 re(p.pattern);
      return re.ok() && RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
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

// Maps a value's text to the patterns that equal it, without building a string per lookup.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using ExactIndex = std::unordered_map<std::string, std::vector<int>, TextHash, std::equal_to<>>;

struct RuleSet::Impl {
  std::vector<Rule> rules;
  std::vector<int> base;                    // rule → its first global predicate id
  std::vector<CompiledPredicate> preds;     // by global id
  // The patterns over one field. Most Sigma values compare the whole value with plain text
  // (`User: root`, `EventID: 4625`, a route's `app: sshd`): those are looked up in a hash of the
  // text instead of joining the DFA, which then runs only where wildcards, contains / startswith /
  // endswith or re are used (and not at all for a field without them).
  struct FieldScan {
    FieldRef field;
    std::unique_ptr<RE2::Set> set;          // the other patterns
    std::vector<int> set_ids;               // set index → global pattern id
    ExactIndex cased;                       // exact text → global pattern ids
    ExactIndex folded;                      // ASCII-lowercased exact text (case-insensitive)
    // RE2 folds a few non-ASCII letters onto ASCII ones (K KELVIN SIGN is `k`, ſ is `s`): a value
    // with a non-ASCII byte meets the case-insensitive exact patterns here, as RE2 would.
    std::unique_ptr<RE2::Set> folded_fallback;
    std::vector<int> fallback_ids;
    // The route groups whose rules test this field (0: rules without a route). A field only rules
    // of routes the event fails test is not read at all: a FortiGate line's message is not
    // scanned for the sshd keywords.
    std::vector<int> groups;
    bool holds_gates = false;  // a route tests this field: read before the routes are decided
  };
  std::vector<FieldScan> scans;
  // Route groups 1..n: rules routed by the same pipeline route share one; each is decided once per
  // event on a representative rule's route selection (`route_rule`, `route_selection`).
  std::vector<int> route_rule{-1}, route_selection{-1};
  std::vector<std::vector<int>> triggers;   // global pattern id → rules it is a trigger of
  std::vector<int> always;                  // rules evaluated for every event
  size_t patterns = 0;
  size_t exact_patterns = 0;
};

namespace {
// The key of a rule's route (its gate predicates, as the set sees them), empty when unrouted, and
// the selection that holds it.
std::pair<std::string, int> routeOf(const Rule& rule) {
  std::string key;
  int selection = -1;
  for (size_t s = 0; s < rule.selections.size(); ++s)
    for (const auto& conj : rule.selections[s].alternatives)
      for (const auto& item : conj)
        for (int p : item.predicates) {
          const Predicate& pred = rule.predicates[size_t(p)];
          if (!pred.gate) continue;
          selection = int(s);
          key += pred.field + '\0' + std::to_string(int(pred.kind)) + '\0' + pred.pattern + '\0';
        }
  return {key, selection};
}
}  // namespace

RuleSet::RuleSet() : impl_(std::make_unique<Impl>()) {}
RuleSet::~RuleSet() = default;
RuleSet::RuleSet(RuleSet&&) noexcept = default;
RuleSet& RuleSet::operator=(RuleSet&&) noexcept = default;

const std::vector<Rule>& RuleSet::rules() const { return impl_->rules; }

RuleSet::Stats RuleSet::stats() const {
  size_t routed = 0;
  for (const auto& scan : impl_->scans)
    if (!scan.holds_gates && std::find(scan.groups.begin(), scan.groups.end(), 0) == scan.groups.end()) ++routed;
  return Stats{impl_->scans.size(), impl_->patterns, impl_->always.size(), impl_->exact_patterns, routed};
}

Result<RuleSet> RuleSet::build(std::vector<Rule> rules) {
  RuleSet out;
  auto& im = *out.impl_;
  im.rules = std::move(rules);
  RE2::Options opts;
  opts.set_max_mem(kSetMaxMem);
  opts.set_log_errors(false);
  std::map<std::string, size_t> scan_of;                   // field name → scans index
  std::vector<std::map<std::string, int>> pattern_ids;     // per scan: pattern → global id
  auto addTo = [&](std::unique_ptr<RE2::Set>& set, std::vector<int>& ids, const std::string& pattern,
                   int id, std::string& error) {
    if (!set) set = std::make_unique<RE2::Set>(opts, RE2::UNANCHORED);
    if (set->Add(pattern, &error) < 0) return false;
    ids.push_back(id);
    return true;
  };
  std::map<std::string, int> group_of;  // route key → group
  for (size_t r = 0; r < im.rules.size(); ++r) {
    const Rule& rule = im.rules[r];
    im.base.push_back(static_cast<int>(im.preds.size()));
    int group = 0;
    if (auto [key, selection] = routeOf(rule); selection >= 0) {
      auto [it, fresh] = group_of.emplace(key, int(im.route_rule.size()));
      if (fresh) {
        im.route_rule.push_back(int(r));
        im.route_selection.push_back(selection);
      }
      group = it->second;
    }
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
          im.scans.emplace_back().field = cp.field;
          pattern_ids.emplace_back();
        }
        auto& scan = im.scans[it->second];
        if (p.gate) scan.holds_gates = true;
        else if (std::find(scan.groups.begin(), scan.groups.end(), group) == scan.groups.end())
          scan.groups.push_back(group);
        auto [known, added] = pattern_ids[it->second].emplace(p.pattern, static_cast<int>(im.patterns));
        if (added) {
          const int id = known->second;
          ++im.patterns;
          std::string error, folded;
          bool ok = true;
          if (p.exact && p.cased) {
            scan.cased[*p.exact].push_back(id);
            ++im.exact_patterns;
          } else if (p.exact && asciiLowerInto(*p.exact, folded)) {
            scan.folded[folded].push_back(id);
            ok = addTo(scan.folded_fallback, scan.fallback_ids, p.pattern, id, error);
            ++im.exact_patterns;
          } else {
            ok = addTo(scan.set, scan.set_ids, p.pattern, id, error);
          }
          if (!ok)
            return makeError(ErrorCode::kConfig, "rule " + rule.id + ": pattern for '" + p.field + "' rejected by RE2: " + error);
        }
        cp.pattern = known->second;
      }
      im.preds.push_back(std::move(cp));
    }
  }
  for (auto& scan : im.scans)
    for (auto* set : {scan.set.get(), scan.folded_fallback.get()})
      if (set != nullptr && !set->Compile())  // matching an uncompiled set crashes libre2
        return makeError(ErrorCode::kConfig, "RE2 could not compile the rule set for field '" +
                                                 scan.field.key + "' (out of memory?)");
  // A pattern's expected firing rate, for choosing triggers: how many rule predicates use it
  // (a value many rules test, like `failure` or `root`, is a common one), then shorter first.
  std::vector<double> cost(im.patterns, 1.0);
  for (const auto& cp : im.preds)
    if (cp.in_set && !cp.gate) cost[cp.pattern] += 1.0;
  for (size_t g = 0; g < im.preds.size(); ++g) {
    const auto& cp = im.preds[g];
    if (cp.in_set) {
      const auto& p = im.rules[cp.rule].predicates[g - im.base[cp.rule]];
      cost[cp.pattern] += 0.5 / double(1 + p.pattern.size());
    }
  }
  im.triggers.resize(im.patterns);
  for (size_t r = 0; r < im.rules.size(); ++r) {
    int base = im.base[r];
    auto pattern_of = [&](int p) {
      const auto& cp = im.preds[base + p];
      return cp.in_set && !cp.gate ? cp.pattern : -1;
    };
    auto cover = triggerCover(im.rules[r], pattern_of, [&](int g) { return cost[g]; });
    if (!cover) {
      im.always.push_back(static_cast<int>(r));
      continue;
    }
    for (int g : *cover) im.triggers[g].push_back(static_cast<int>(r));
  }
  return out;
}

std::vector<const Rule*> RuleSet::match(const Event& event) const {
  const auto& im = *impl_;
  MatchScratch& s = scratch(im.patterns, im.rules.size());
  auto candidate = [&](int r) {
    if (s.stamp[r] == s.epoch) return;
    s.stamp[r] = s.epoch;
    s.candidates.push_back(r);
  };
  s.candidates.clear();
  s.fired_list.clear();
  auto fire = [&](int g) {
    s.fired[size_t(g) >> 6] |= uint64_t{1} << (g & 63);
    s.fired_list.push_back(g);
    for (int r : im.triggers[g]) candidate(r);
  };
  auto scanSet = [&](const RE2::Set& set, const std::vector<int>& ids, std::string_view text) {
    s.set_hits.clear();
    if (!set.Match(re2::StringPiece(text.data(), text.size()), &s.set_hits)) return;
    for (int h : s.set_hits) fire(ids[size_t(h)]);
  };
  auto lookUp = [&](const ExactIndex& index, std::string_view text) {
    auto found = index.find(text);
    if (found != index.end())
      for (int g : found->second) fire(g);
  };
  auto scanField = [&](const Impl::FieldScan& scan) {
    std::string_view text;
    if (!fieldView(event, scan.field, s.text, text)) return;
    if (scan.set) scanSet(*scan.set, scan.set_ids, text);
    if (!scan.cased.empty()) lookUp(scan.cased, text);
    if (scan.folded.empty()) return;
    if (asciiLowerInto(text, s.folded)) lookUp(scan.folded, s.folded);
    else scanSet(*scan.folded_fallback, scan.fallback_ids, text);
  };
  // A predicate's truth once the fields are scanned: a set pattern by its bit, the others directly.
  auto truth = [&](int r, int p) {
    const auto& cp = im.preds[size_t(im.base[size_t(r)] + p)];
    if (cp.in_set) return (s.fired[size_t(cp.pattern) >> 6] >> (cp.pattern & 63) & 1) != 0;
    return evalDirect(im.rules[size_t(r)].predicates[size_t(p)], cp, event);
  };
  // The fields routes test first, then the routes, then only the fields that a rule of a passing
  // route (or an unrouted rule) tests.
  for (const auto& scan : im.scans)
    if (scan.holds_gates) scanField(scan);
  s.active.assign(im.route_rule.size(), 1);
  for (size_t g = 1; g < im.route_rule.size(); ++g) {
    const int r = im.route_rule[g];
    auto value = [&](int p) { return truth(r, p); };
    const Rule& rule = im.rules[size_t(r)];
    s.active[g] = evalSelection(rule, rule.selections[size_t(im.route_selection[g])], value);
  }
  for (const auto& scan : im.scans)
    if (!scan.holds_gates && std::any_of(scan.groups.begin(), scan.groups.end(), [&](int g) { return s.active[size_t(g)] != 0; }))
      scanField(scan);
  for (int r : im.always) candidate(r);
  std::sort(s.candidates.begin(), s.candidates.end());  // results in load order

  std::vector<const Rule*> out;
  for (int r : s.candidates) {
    const Rule& rule = im.rules[r];
    auto value = [&](int p) { return truth(r, p); };
    if (evalCondition(rule, rule.condition, value)) out.push_back(&rule);
  }
  for (int g : s.fired_list) s.fired[size_t(g) >> 6] = 0;
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
