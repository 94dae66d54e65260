#include "correlator/rules/sigma_reader.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/config/yaml_documents.h"
#include "common/config/yaml_files.h"
#include "correlator/rules/condition_parser.h"
#include "correlator/rules/correlation_reader.h"
#include "correlator/rules/value_modifiers.h"

namespace hinomi::rules {
namespace {

class DocReader {
 public:
  DocReader(const std::string& file, std::vector<Error>& errors) : file_(file), errors_(errors) {}

  // True when the document became `rule`.
  bool read(const YAML::Node& doc, Rule& rule, const std::string& fallback_id) {
    rule.location = at(doc);
    if (!doc.IsMap()) return fail(doc, "a Sigma rule must be a YAML map");
    if (doc["action"]) return fail(doc["action"], "rule collections ('action: global') are not supported; write one rule per document");
    rule.title = scalar(doc, "title", true);
    rule.id = scalar(doc, "id", false);
    rule.name = scalar(doc, "name", false);
    if (rule.id.empty()) rule.id = rule.name.empty() ? fallback_id : rule.name;
    rule.status = scalar(doc, "status", false);
    rule.level = scalar(doc, "level", false);
    rule.description = scalar(doc, "description", false);
    if (auto tags = doc["tags"]) {
      if (!tags.IsSequence()) {
        fail(tags, "'tags' must be a list");
      } else {
        for (const auto& t : tags) {
          if (t.IsScalar()) rule.tags.push_back(t.Scalar());
          else fail(t, "a tag must be a string");
        }
      }
    }
    if (auto ls = doc["logsource"]) {
      if (!ls.IsMap()) {
        fail(ls, "'logsource' must be a map");
      } else {
        rule.logsource.product = scalar(ls, "product", false);
        rule.logsource.service = scalar(ls, "service", false);
        rule.logsource.category = scalar(ls, "category", false);
      }
    }
    auto detection = doc["detection"];
    if (!detection) return fail(doc, "the rule has no 'detection'");
    if (!detection.IsMap()) return fail(detection, "'detection' must be a map");
    readDetection(detection, rule);
    return ok_;
  }

 private:
  Location at(const YAML::Node& node) const {
    YAML::Mark m = YAML::Mark::null_mark();
    try {
      if (node.IsDefined()) m = node.Mark();
    } catch (const YAML::Exception&) {
    }
    return Location{file_, m.is_null() ? 1 : m.line + 1, m.is_null() ? 1 : m.column + 1};
  }
  bool fail(const YAML::Node& node, std::string why) {
    errors_.push_back(Error{ErrorCode::kConfig, std::move(why), at(node)});
    ok_ = false;
    return false;
  }

  std::string scalar(const YAML::Node& map, const char* key, bool required) {
    auto n = map[key];
    if (!n || n.IsNull()) {
      if (required) fail(map, std::string("the rule has no '") + key + "'");
      return {};
    }
    if (!n.IsScalar()) {
      fail(n, std::string("'") + key + "' must be a string");
      return {};
    }
    return n.Scalar();
  }

  void readDetection(const YAML::Node& detection, Rule& rule) {
    YAML::Node condition;  // a default Node is a defined null: track presence apart
    bool has_condition = false;
    std::vector<std::string> names;
    for (const auto& kv : detection) {
      std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (name == "condition") {
        condition = kv.second;
        has_condition = true;
        continue;
      }
      if (name == "timeframe") {
        fail(kv.first, "'timeframe' (aggregation over time) is not supported; use a correlation rule");
        continue;
      }
      if (name.empty()) {
        fail(kv.first, "a selection needs a name");
        continue;
      }
      Selection sel;
      sel.name = name;
      readSelection(kv.second, sel, rule);
      names.push_back(name);
      rule.selections.push_back(std::move(sel));
    }
    if (!has_condition) {
      fail(detection, "'detection' has no 'condition'");
      return;
    }
    std::vector<YAML::Node> parts;
    if (condition.IsScalar()) {
      parts.push_back(condition);
    } else if (condition.IsSequence() && condition.size() > 0) {
      // The old list form: any of the conditions.
      for (const auto& c : condition) parts.push_back(c);
    } else {
      fail(condition, "'condition' must be a string");
      return;
    }
    if (!ok_) return;  // selections with errors: their names may be missing
    Condition any{Condition::Type::kOr, -1, {}};
    for (const auto& part : parts) {
      if (!part.IsScalar()) {
        fail(part, "'condition' must be a string");
        return;
      }
      auto c = parseCondition(part.Scalar(), names);
      if (!c) {
        fail(part, c.error().message);
        return;
      }
      any.children.push_back(std::move(*c));
    }
    rule.condition = any.children.size() == 1 ? std::move(any.children[0]) : std::move(any);
  }

  void readSelection(const YAML::Node& node, Selection& sel, Rule& rule) {
    if (node.IsMap()) {
      Conjunction conj;
      if (readMap(node, conj, rule)) sel.alternatives.push_back(std::move(conj));
      return;
    }
    if (node.IsScalar()) {
      readKeywords({node}, node, sel, rule);
      return;
    }
    if (!node.IsSequence() || node.size() == 0) {
      fail(node, "selection '" + sel.name + "' must be a map, a list of maps or a list of keywords");
      return;
    }
    bool maps = false, scalars = false;
    for (const auto& e : node) (e.IsMap() ? maps : scalars) = true;
    if (maps && scalars) {
      fail(node, "selection '" + sel.name + "' mixes maps and keywords");
      return;
    }
    if (scalars) {
      std::vector<YAML::Node> items(node.begin(), node.end());
      readKeywords(items, node, sel, rule);
      return;
    }
    for (const auto& e : node) {
      Conjunction conj;
      if (readMap(e, conj, rule)) sel.alternatives.push_back(std::move(conj));
    }
  }

  void readKeywords(const std::vector<YAML::Node>& nodes, const YAML::Node& where, Selection& sel, Rule& rule) {
    std::vector<Value> values;
    for (const auto& n : nodes) {
      if (!n.IsScalar() || n.IsNull()) {
        fail(n, "a keyword must be a string");
        return;
      }
      values.push_back(Value{false, n.Scalar()});
    }
    auto item = buildItem("", {}, values, rule);
    if (!item) {
      fail(where, item.error().message);
      return;
    }
    // Keywords are alternatives: any one found in the message.
    for (int p : item->predicates) sel.alternatives.push_back(Conjunction{Item{{p}, false}});
  }

  bool readMap(const YAML::Node& map, Conjunction& conj, Rule& rule) {
    bool good = true;
    if (map.size() == 0) return fail(map, "an empty map matches nothing");
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) {
        good = fail(kv.first, "a field name must be a string");
        continue;
      }
      std::string key = kv.first.Scalar();
      std::vector<std::string> parts;
      size_t start = 0;
      for (size_t bar; (bar = key.find('|', start)) != std::string::npos; start = bar + 1)
        parts.push_back(key.substr(start, bar - start));
      parts.push_back(key.substr(start));
      std::string field = parts[0];
      std::vector<std::string> mods(parts.begin() + 1, parts.end());
      std::vector<Value> values;
      const auto& v = kv.second;
      if (v.IsNull()) {
        values.push_back(Value{true, {}});
      } else if (v.IsScalar()) {
        values.push_back(Value{false, v.Scalar()});
      } else if (v.IsSequence() && v.size() > 0) {
        for (const auto& e : v) {
          if (e.IsNull()) values.push_back(Value{true, {}});
          else if (e.IsScalar()) values.push_back(Value{false, e.Scalar()});
          else good = fail(e, "a value of '" + key + "' must be a string, a number or null");
        }
      } else {
        good = fail(v, "'" + key + "' must have a value or a non-empty list of values");
        continue;
      }
      auto item = buildItem(field, mods, values, rule);
      if (!item) {
        good = fail(kv.first, item.error().message);
        continue;
      }
      conj.push_back(std::move(*item));
    }
    return good;
  }

  const std::string& file_;
  std::vector<Error>& errors_;
  bool ok_ = true;
};

Location markLocation(const std::string& file, const YAML::Mark& m) {
  return Location{file, m.is_null() || m.line < 0 ? 1 : m.line + 1, m.is_null() || m.column < 0 ? 1 : m.column + 1};
}

}  // namespace

ReadResult readSigmaText(std::string_view text, const std::string& file) {
  ReadResult out;
  std::vector<YAML::Node> docs;
  try {
    docs = config::loadAllDocuments(std::string(text));
  } catch (const YAML::Exception& e) {
    out.errors.push_back(Error{ErrorCode::kConfig, "YAML syntax: " + e.msg, markLocation(file, e.mark)});
    out.refused = 1;
    return out;
  }
  std::string stem = std::filesystem::path(file).stem().string();
  for (size_t i = 0; i < docs.size(); ++i) {
    if (docs[i].IsNull()) continue;  // an empty document, e.g. after a trailing ---
    Rule rule;
    try {
      std::string fallback = docs.size() > 1 ? stem + "#" + std::to_string(i + 1) : stem;
      if (docs[i].IsMap() && docs[i]["correlation"]) {
        CorrelationRule c;
        if (readCorrelationDocument(docs[i], file, fallback, c, out.errors)) out.correlations.push_back(std::move(c));
        else ++out.refused;
        continue;
      }
      DocReader reader(file, out.errors);
      if (reader.read(docs[i], rule, fallback)) out.rules.push_back(std::move(rule));
      else ++out.refused;
    } catch (const YAML::Exception& e) {
      out.errors.push_back(Error{ErrorCode::kConfig, "YAML: " + e.msg, markLocation(file, e.mark)});
      ++out.refused;
    }
  }
  return out;
}

ReadResult readSigmaFile(const std::string& path) {
  auto text = config::readWholeFile(path);
  if (!text) {
    ReadResult out;
    out.errors.push_back(Error{ErrorCode::kIo, "cannot read the file", Location{path, 1, 1}});
    out.refused = 1;
    return out;
  }
  return readSigmaText(*text, path);
}

}  // namespace hinomi::rules
