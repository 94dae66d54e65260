#include "correlator/rules/field_mapping.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include <yaml-cpp/yaml.h>

#include "common/config/yaml_documents.h"
#include "common/config/yaml_files.h"
#include "correlator/rules/value_modifiers.h"

namespace hinomi::rules {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Location at(const std::string& file, const YAML::Node& n) {
  YAML::Mark m = YAML::Mark::null_mark();
  try {
    if (n.IsDefined()) m = n.Mark();
  } catch (const YAML::Exception&) {
  }
  return Location{file, m.is_null() ? 1 : m.line + 1, m.is_null() ? 1 : m.column + 1};
}

bool agrees(const std::string& want, const std::string& have) {
  return want.empty() || lower(want) == lower(have);
}

}  // namespace

bool applies(const Pipeline& p, const LogSource& ls) {
  return agrees(p.logsource.product, ls.product) && agrees(p.logsource.service, ls.service) &&
         agrees(p.logsource.category, ls.category);
}

PipelineReadResult readPipelineText(const std::string& text, const std::string& file) {
  PipelineReadResult out;
  auto fail = [&](const YAML::Node& n, std::string why) {
    out.errors.push_back(Error{ErrorCode::kConfig, std::move(why), at(file, n)});
  };
  std::vector<YAML::Node> docs;
  try {
    docs = config::loadAllDocuments(text);
  } catch (const YAML::Exception& e) {
    out.errors.push_back(Error{ErrorCode::kConfig, "YAML syntax: " + e.msg,
                               Location{file, e.mark.line + 1, e.mark.column + 1}});
    return out;
  }
  try {
    for (const auto& doc : docs) {
      if (doc.IsNull()) continue;
      if (!doc.IsMap()) {
        fail(doc, "a pipeline must be a map with name, logsource, route, fields");
        continue;
      }
      Pipeline p;
      p.location = at(file, doc);
      size_t before = out.errors.size();
      for (const auto& kv : doc) {
        std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
        const auto& v = kv.second;
        if (key == "name" && v.IsScalar()) {
          p.name = v.Scalar();
        } else if (key == "logsource" && v.IsMap()) {
          for (const auto& ls : v) {
            std::string k = ls.first.Scalar();
            if (!ls.second.IsScalar()) fail(ls.second, "logsource." + k + " must be a string");
            else if (k == "product") p.logsource.product = ls.second.Scalar();
            else if (k == "service") p.logsource.service = ls.second.Scalar();
            else if (k == "category") p.logsource.category = ls.second.Scalar();
            else fail(ls.first, "unknown key 'logsource." + k + "' (product, service, category)");
          }
        } else if (key == "fields" && v.IsMap()) {
          for (const auto& f : v) {
            if (!f.first.IsScalar() || !f.second.IsScalar() || f.second.Scalar().empty())
              fail(f.first, "a field mapping is 'SigmaName: event.field'");
            else p.fields.emplace_back(f.first.Scalar(), f.second.Scalar());
          }
        } else if (key == "route" && v.IsMap()) {
          for (const auto& r : v) {
            std::vector<Value> values;
            auto add = [&values](const YAML::Node& e) {
              if (e.IsNull()) values.push_back(Value{true, {}});
              else if (e.IsScalar()) values.push_back(Value{false, e.Scalar()});
            };
            if (r.second.IsSequence())
              for (const auto& e : r.second) add(e);
            else add(r.second);
            if (!r.first.IsScalar() || values.empty()) fail(r.first, "a route is 'field: value' or 'field: [values]' (null: the field is absent)");
            else p.route.emplace_back(r.first.Scalar(), std::move(values));
          }
        } else if (key == "name" || key == "logsource" || key == "fields" || key == "route") {
          fail(v, "'" + key + "' has the wrong type");
        } else {
          fail(kv.first, "unknown key '" + key + "' (name, logsource, route, fields)");
        }
      }
      if (p.name.empty()) fail(doc, "a pipeline needs a 'name'");
      if (out.errors.size() == before) out.pipelines.push_back(std::move(p));
    }
  } catch (const YAML::Exception& e) {
    out.errors.push_back(Error{ErrorCode::kConfig, "YAML: " + e.msg, Location{file, 1, 1}});
  }
  return out;
}

PipelineReadResult readPipelineFile(const std::string& path) {
  auto text = config::readWholeFile(path);
  if (!text) {
    PipelineReadResult out;
    out.errors.push_back(Error{ErrorCode::kIo, "cannot read the file", Location{path, 1, 1}});
    return out;
  }
  return readPipelineText(*text, path);
}

std::optional<std::string> mapField(const std::vector<Pipeline>& pipelines, const LogSource& ls,
                                    const std::string& field) {
  for (const auto& p : pipelines) {
    if (!applies(p, ls)) continue;
    for (const auto& [from, to] : p.fields)
      if (from == field) return to;
  }
  return std::nullopt;
}

Result<std::vector<std::string>> applyPipelines(const std::vector<Pipeline>& pipelines, Rule& rule) {
  std::vector<const Pipeline*> apply;
  for (const auto& p : pipelines)
    if (applies(p, rule.logsource)) apply.push_back(&p);
  std::set<std::string> unmapped;
  auto map = [&](std::string& field) {
    if (auto to = mapField(pipelines, rule.logsource, field)) field = *to;
    else unmapped.insert(field);
  };
  for (auto& pred : rule.predicates) {
    // Keywords read `message`, which is hinomi's own name: never mapped.
    if (pred.field != "message") map(pred.field);
    if (pred.kind == PredicateKind::kFieldRef) map(pred.other_field);
  }
  const Pipeline* routed = nullptr;
  for (const auto* p : apply)
    if (!p->route.empty()) {
      routed = p;
      break;
    }
  if (routed) {
    Selection gate;
    gate.name = "_route:" + routed->name;
    Conjunction conj;
    for (const auto& [field, values] : routed->route) {
      auto item = buildItem(field, {}, values, rule);
      if (!item) return tl::unexpected(Error{ErrorCode::kConfig, "pipeline '" + routed->name + "' route: " + item.error().message, routed->location});
      for (int i : item->predicates) rule.predicates[i].gate = true;
      conj.push_back(std::move(*item));
    }
    gate.alternatives.push_back(std::move(conj));
    int index = static_cast<int>(rule.selections.size());
    rule.selections.push_back(std::move(gate));
    Condition both{Condition::Type::kAnd, -1, {}};
    both.children.push_back(Condition{Condition::Type::kSelection, index, {}});
    both.children.push_back(std::move(rule.condition));
    rule.condition = std::move(both);
  }
  return std::vector<std::string>(unmapped.begin(), unmapped.end());
}

}  // namespace hinomi::rules
