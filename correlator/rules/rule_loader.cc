#include "correlator/rules/rule_loader.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "common/config/yaml_files.h"
#include "correlator/rules/field_access.h"
#include "correlator/rules/field_mapping.h"
#include "correlator/rules/sigma_reader.h"

namespace hinomi::rules {
namespace fs = std::filesystem;
namespace {


// `p` is relative to the rules directory searched.
bool underFolder(const fs::path& p, const char* name) {
  for (const auto& part : p.parent_path())
    if (part == name) return true;
  return false;
}

// Brute force over the selections as free variables: a condition false for every assignment can
// never match (e.g. `sel and not sel`). Rules with more selections are not checked.
bool satisfiable(const Condition& c, size_t n) {
  if (n > 16) return true;
  std::vector<bool> truth(n);
  std::function<bool(const Condition&)> eval = [&](const Condition& x) -> bool {
    switch (x.type) {
      case Condition::Type::kSelection: return truth[x.selection];
      case Condition::Type::kNot: return !eval(x.children[0]);
      case Condition::Type::kAnd:
        return std::all_of(x.children.begin(), x.children.end(), eval);
      case Condition::Type::kOr:
        return std::any_of(x.children.begin(), x.children.end(), eval);
    }
    return false;
  };
  for (uint32_t bits = 0; bits < (1u << n); ++bits) {
    for (size_t i = 0; i < n; ++i) truth[i] = (bits >> i) & 1;
    if (eval(c)) return true;
  }
  return false;
}

// hinomi's fields are the event's top-level names and lower-case ECS-style dotted names; a name
// like CommandLine that no pipeline mapped is something no decoder produces.
bool looksLikeHinomiField(const std::string& f) {
  if (resolveField(f).top != FieldRef::Top::kFields) return true;
  return std::none_of(f.begin(), f.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
}

}  // namespace

std::vector<std::string> lintRule(const Rule& rule, const std::vector<std::string>& unmapped) {
  std::vector<std::string> out;
  if (!satisfiable(rule.condition, rule.selections.size()))
    out.push_back("rule " + rule.id + " can never match: its condition is false whatever the selections");
  // `Field: null` and `Field|exists: true` in one map.
  for (const auto& sel : rule.selections)
    for (const auto& conj : sel.alternatives)
      for (const auto& a : conj)
        for (const auto& b : conj) {
          if (a.predicates.size() != 1 || b.predicates.size() != 1) continue;
          const auto& pa = rule.predicates[a.predicates[0]];
          const auto& pb = rule.predicates[b.predicates[0]];
          if (pa.field == pb.field && pa.kind == PredicateKind::kNull &&
              pb.kind == PredicateKind::kExists && pb.exists)
            out.push_back("rule " + rule.id + ": selection '" + sel.name + "' needs '" + pa.field +
                          "' both empty and set: it can never match");
        }
  std::vector<std::string> odd;
  for (const auto& f : unmapped)
    if (!looksLikeHinomiField(f)) odd.push_back(f);
  if (!odd.empty()) {
    std::string list;
    for (const auto& f : odd) list += (list.empty() ? "" : ", ") + f;
    out.push_back("rule " + rule.id + ": no pipeline maps field(s) " + list +
                  " for this logsource; no hinomi decoder produces such names");
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> distinctPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  std::set<fs::path> seen;
  for (const auto& p : paths) {
    std::error_code ec;
    auto canonical = fs::weakly_canonical(p, ec);
    if (ec || seen.insert(canonical).second) out.push_back(p);
  }
  return out;
}

LoadedRules loadRules(const std::vector<std::string>& paths) {
  LoadedRules out;
  std::vector<fs::path> rule_files, pipeline_files;
  for (const auto& root : distinctPaths(paths)) {
    std::error_code ec;
    if (fs::is_regular_file(root, ec)) {
      rule_files.emplace_back(root);
      continue;
    }
    if (!fs::is_directory(root, ec)) {
      out.errors.push_back(Error{ErrorCode::kNotFound, "no such rules directory", Location{root, 1, 1}});
      continue;
    }
    auto found = config::yamlFilesUnder(root, ec);
    if (ec) out.errors.push_back(Error{ErrorCode::kIo, "cannot list: " + ec.message(), Location{root, 1, 1}});
    for (auto& p : found) {
      auto rel = p.lexically_relative(root);
      if (underFolder(rel, "tests")) continue;  // rule fixtures (rule_fixtures.h), not rules
      (underFolder(rel, "pipelines") ? pipeline_files : rule_files).push_back(p);
    }
  }
  // A file reached twice (its folder and itself, or a folder inside another given) is read once.
  for (auto* files : {&rule_files, &pipeline_files}) {
    std::vector<fs::path> kept;
    std::vector<std::string> as_text;
    for (const auto& f : *files) as_text.push_back(f.string());
    for (const auto& f : distinctPaths(as_text)) kept.emplace_back(f);
    *files = std::move(kept);
  }

  std::vector<Pipeline> pipelines;
  for (const auto& p : pipeline_files) {
    auto r = readPipelineFile(p.string());
    out.errors.insert(out.errors.end(), r.errors.begin(), r.errors.end());
    for (auto& pl : r.pipelines) pipelines.push_back(std::move(pl));
  }
  out.pipelines = pipelines.size();

  std::vector<Rule> rules;
  std::vector<CorrelationRule> correlations;
  std::map<std::string, Location> seen;
  for (const auto& f : rule_files) {
    auto r = readSigmaFile(f.string());
    out.errors.insert(out.errors.end(), r.errors.begin(), r.errors.end());
    out.refused += r.refused;
    for (auto& c : r.correlations) correlations.push_back(std::move(c));
    for (auto& rule : r.rules) {
      if (auto [it, fresh] = seen.emplace(rule.id, rule.location); !fresh) {
        out.errors.push_back(Error{ErrorCode::kConfig,
                                   "duplicate rule id '" + rule.id + "' (first in " + it->second.file +
                                       ":" + std::to_string(it->second.line) + ")",
                                   rule.location});
        ++out.refused;
        continue;
      }
      auto unmapped = applyPipelines(pipelines, rule);
      if (!unmapped) {
        out.errors.push_back(unmapped.error());
        ++out.refused;
        continue;
      }
      for (auto& w : lintRule(rule, *unmapped))
        out.warnings.push_back(Error{ErrorCode::kConfig, std::move(w), rule.location});
      rules.push_back(std::move(rule));
    }
  }
  auto set = RuleSet::build(std::move(rules));
  if (!set) {
    out.errors.push_back(set.error());
    return out;
  }
  out.set = std::make_shared<const RuleSet>(std::move(*set));
  auto compiled = compileCorrelations(std::move(correlations), *out.set, pipelines);
  out.errors.insert(out.errors.end(), compiled.errors.begin(), compiled.errors.end());
  out.refused += compiled.refused;
  out.correlations = std::move(compiled.set);
  return out;
}

}  // namespace hinomi::rules
