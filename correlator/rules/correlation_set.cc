#include "correlator/rules/correlation_set.h"

#include <algorithm>
#include <functional>
#include <map>

namespace hinomi::rules {

struct CorrelationCompile {
  static CompiledCorrelations run(std::vector<CorrelationRule> input, const RuleSet& rules,
                                  const std::vector<Pipeline>& pipelines);
};

namespace {

const std::vector<std::pair<int, int>> kNoUsers;

Error refusal(const CorrelationRule& c, const std::string& why) {
  return Error{ErrorCode::kConfig, "correlation " + c.id + ": " + why, c.location};
}

}  // namespace

const std::vector<std::pair<int, int>>& CorrelationSet::usersOfRule(size_t rule) const {
  return rule < rule_users_.size() ? rule_users_[rule] : kNoUsers;
}
const std::vector<std::pair<int, int>>& CorrelationSet::usersOfCorrelation(size_t c) const {
  return c < correlation_users_.size() ? correlation_users_[c] : kNoUsers;
}
bool CorrelationSet::raisesOwnIncidents(size_t rule) const { return rule >= rule_silent_.size() || !rule_silent_[rule]; }

std::shared_ptr<const CorrelationSet> CorrelationSet::withLoud(const std::string& correlation_id) const {
  auto copy = std::make_shared<CorrelationSet>(*this);
  for (auto& c : copy->correlations_)
    if (c.rule.id == correlation_id) {
      c.silent = false;
      return copy;
    }
  return nullptr;
}

CompiledCorrelations CorrelationCompile::run(std::vector<CorrelationRule> input, const RuleSet& rules,
                                             const std::vector<Pipeline>& pipelines) {
  CompiledCorrelations out;
  std::map<std::string, int> rule_by_ref;  // detection rule id or name → index
  for (size_t i = 0; i < rules.rules().size(); ++i) {
    const Rule& r = rules.rules()[i];
    rule_by_ref.emplace(r.id, int(i));
    if (!r.name.empty()) rule_by_ref.emplace(r.name, int(i));
  }
  std::map<std::string, int> corr_by_ref;  // correlation id or name → input index
  std::vector<bool> refused(input.size(), false);
  auto refuse = [&](size_t i, const std::string& why) {
    if (!refused[i]) ++out.refused;
    refused[i] = true;
    out.errors.push_back(refusal(input[i], why));
  };
  for (size_t i = 0; i < input.size(); ++i) {
    for (const std::string& key : {input[i].id, input[i].name}) {
      if (key.empty()) continue;
      if (rule_by_ref.count(key)) refuse(i, "its id or name '" + key + "' is also a detection rule's");
      else if (auto [it, fresh] = corr_by_ref.emplace(key, int(i)); !fresh && it->second != int(i))
        refuse(i, "duplicate id or name '" + key + "' (first in " + input[it->second].location.file + ":" +
                      std::to_string(input[it->second].location.line) + ")");
    }
  }
  // References, and a cycle check by depth-first search (0 new, 1 on the path, 2 done).
  for (size_t i = 0; i < input.size(); ++i)
    for (const auto& ref : input[i].rules)
      if (!rule_by_ref.count(ref) && !corr_by_ref.count(ref))
        refuse(i, "rule '" + ref + "' is not loaded (no detection rule or correlation has that id or name, or it was refused)");
  std::vector<int> state(input.size(), 0), order;
  std::function<bool(int)> visit = [&](int i) -> bool {
    if (state[i] == 1) return false;
    if (state[i] == 2) return true;
    state[i] = 1;
    bool ok = true;
    for (const auto& ref : input[i].rules)
      if (!rule_by_ref.count(ref) && corr_by_ref.count(ref)) ok = visit(corr_by_ref[ref]) && ok;
    state[i] = 2;
    if (!ok) refuse(i, "its references form a cycle");
    order.push_back(i);
    return ok;
  };
  for (size_t i = 0; i < input.size(); ++i) visit(int(i));
  // A correlation over a refused one is refused too (order puts the referenced first).
  for (int i : order)
    for (const auto& ref : input[i].rules)
      if (!refused[i] && !rule_by_ref.count(ref) && corr_by_ref.count(ref) && refused[corr_by_ref[ref]])
        refuse(i, "it uses correlation '" + ref + "', which was refused");

  auto set = std::make_shared<CorrelationSet>();
  std::map<int, int> final_index;  // input index → compiled index
  std::map<int, LogSource> leaf_logsource;  // compiled correlation → logsource of its first detection rule
  for (int i : order) {
    if (refused[i]) continue;
    CorrelationRule& c = input[i];
    CompiledCorrelation cc;
    std::vector<std::string> errors;
    for (const auto& ref_text : c.rules) {
      CorrelationRef ref;
      LogSource ls;
      if (auto it = rule_by_ref.find(ref_text); it != rule_by_ref.end()) {
        ref.index = it->second;
        ls = rules.rules()[ref.index].logsource;
      } else {
        ref.is_correlation = true;
        auto fi = final_index.find(corr_by_ref[ref_text]);
        if (fi == final_index.end()) {
          errors.push_back("it uses correlation '" + ref_text + "', which was refused");
          continue;
        }
        ref.index = fi->second;
        ls = leaf_logsource[ref.index];
      }
      auto mapped = [&](const std::string& sigma) { return mapField(pipelines, ls, sigma).value_or(sigma); };
      for (const auto& g : c.group_by) {
        std::string sigma = g;
        if (auto alias = c.aliases.find(g); alias != c.aliases.end()) {
          auto field = alias->second.find(ref_text);
          if (field == alias->second.end()) {
            errors.push_back("alias '" + g + "' names no field for rule '" + ref_text + "'");
            continue;
          }
          sigma = field->second;
        }
        ref.group_fields.push_back(resolveField(mapped(sigma)));
        if (cc.refs.empty()) cc.group_keys.push_back(c.aliases.count(g) ? g : mapped(sigma));
      }
      if (!c.value_field.empty()) ref.value_field = resolveField(mapped(c.value_field));
      if (cc.refs.empty()) leaf_logsource[int(set->correlations_.size())] = ls;
      cc.refs.push_back(std::move(ref));
    }
    for (const auto& [alias, per_rule] : c.aliases)
      if (std::find(c.group_by.begin(), c.group_by.end(), alias) == c.group_by.end())
        errors.push_back("alias '" + alias + "' is not used in group-by");
    if (!errors.empty()) {
      for (const auto& e : errors) refuse(size_t(i), e);
      continue;
    }
    cc.rule = std::move(c);
    final_index[i] = int(set->correlations_.size());
    set->correlations_.push_back(std::move(cc));
  }
  set->rule_users_.resize(rules.rules().size());
  set->correlation_users_.resize(set->correlations_.size());
  std::vector<int> silent_votes(rules.rules().size(), 0), loud_votes(rules.rules().size(), 0);
  std::vector<int> corr_silent(set->correlations_.size(), 0), corr_loud(set->correlations_.size(), 0);
  for (size_t ci = 0; ci < set->correlations_.size(); ++ci) {
    const auto& cc = set->correlations_[ci];
    for (size_t ri = 0; ri < cc.refs.size(); ++ri) {
      const auto& ref = cc.refs[ri];
      if (ref.is_correlation) {
        set->correlation_users_[ref.index].emplace_back(int(ci), int(ri));
        ++(cc.rule.generate ? corr_loud : corr_silent)[ref.index];
      } else {
        set->rule_users_[ref.index].emplace_back(int(ci), int(ri));
        ++(cc.rule.generate ? loud_votes : silent_votes)[ref.index];
      }
    }
  }
  set->rule_silent_.resize(rules.rules().size());
  for (size_t r = 0; r < rules.rules().size(); ++r) set->rule_silent_[r] = silent_votes[r] > 0 && loud_votes[r] == 0;
  for (size_t c = 0; c < set->correlations_.size(); ++c)
    set->correlations_[c].silent = corr_silent[c] > 0 && corr_loud[c] == 0;
  out.set = std::move(set);
  return out;
}

CompiledCorrelations compileCorrelations(std::vector<CorrelationRule> correlations, const RuleSet& rules,
                                         const std::vector<Pipeline>& pipelines) {
  return CorrelationCompile::run(std::move(correlations), rules, pipelines);
}

}  // namespace hinomi::rules
