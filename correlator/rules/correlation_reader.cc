#include "correlator/rules/correlation_reader.h"

#include <charconv>
#include <set>

namespace hinomi::rules {
namespace {

class CorrelationReader {
 public:
  CorrelationReader(const std::string& file, std::vector<Error>& errors) : file_(file), errors_(errors) {}

  bool read(const YAML::Node& doc, const std::string& fallback_id, CorrelationRule& c) {
    c.location = at(doc);
    if (!doc.IsMap()) return fail(doc, "a Sigma rule must be a YAML map");
    if (doc["detection"]) return fail(doc["detection"], "a correlation rule has no 'detection'; it names the rules it correlates");
    c.title = scalar(doc, "title", true);
    c.id = scalar(doc, "id", false);
    c.name = scalar(doc, "name", false);
    if (c.id.empty()) c.id = c.name.empty() ? fallback_id : c.name;
    c.status = scalar(doc, "status", false);
    c.level = scalar(doc, "level", false);
    c.description = scalar(doc, "description", false);
    if (auto tags = doc["tags"]) c.tags = strings(tags, "tags");
    auto corr = doc["correlation"];
    if (!corr.IsMap()) return fail(corr, "'correlation' must be a map");
    static const std::set<std::string> kKeys = {"type", "rules", "group-by", "timespan", "condition", "aliases",
                                                "generate"};
    for (const auto& kv : corr) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (!kKeys.count(key))
        fail(kv.first, "unknown key '" + key + "' in 'correlation' (known: type, rules, group-by, timespan, condition, aliases, generate)");
    }
    readType(corr);
    if (auto rules = corr["rules"]) c.rules = rules.IsScalar() ? std::vector<std::string>{rules.Scalar()} : strings(rules, "rules");
    else fail(corr, "the correlation names no 'rules'");
    if (auto g = corr["group-by"]) c.group_by = g.IsScalar() ? std::vector<std::string>{g.Scalar()} : strings(g, "group-by");
    auto span = corr["timespan"];
    if (!span) {
      fail(corr, "the correlation has no 'timespan'");
    } else if (auto us = span.IsScalar() ? parseTimespan(span.Scalar()) : std::nullopt) {
      c.timespan_us = *us;
    } else {
      fail(span, "'timespan' must be a number and a unit: s, m, h or d (e.g. 90s, 5m, 1h)");
    }
    if (auto cond = corr["condition"]) readCondition(cond, c);
    else if (type_ == CorrelationType::kEventCount || type_ == CorrelationType::kValueCount)
      fail(corr, std::string(correlationTypeName(type_)) + " needs a 'condition' (e.g. {gte: 5})");
    if (auto aliases = corr["aliases"]) readAliases(aliases, c);
    if (auto gen = corr["generate"]) {
      if (gen.IsScalar() && (gen.Scalar() == "true" || gen.Scalar() == "false")) c.generate = gen.Scalar() == "true";
      else fail(gen, "'generate' must be true or false");
    }
    c.type = type_;
    checkShape(corr, c);
    return ok_;
  }

 private:
  Location at(const YAML::Node& node) const {
    YAML::Mark m = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
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
  std::vector<std::string> strings(const YAML::Node& n, const std::string& what) {
    std::vector<std::string> out;
    if (!n.IsSequence()) {
      fail(n, "'" + what + "' must be a list");
      return out;
    }
    for (const auto& v : n) {
      if (v.IsScalar() && !v.Scalar().empty()) out.push_back(v.Scalar());
      else fail(v, "each entry of '" + what + "' must be a non-empty string");
    }
    return out;
  }

  void readType(const YAML::Node& corr) {
    auto t = corr["type"];
    if (!t) {
      fail(corr, "the correlation has no 'type'");
      return;
    }
    std::string s = t.IsScalar() ? t.Scalar() : "";
    for (auto candidate : {CorrelationType::kEventCount, CorrelationType::kValueCount, CorrelationType::kTemporal,
                           CorrelationType::kTemporalOrdered, CorrelationType::kAbsence})
      if (s == correlationTypeName(candidate)) {
        type_ = candidate;
        return;
      }
    fail(t, "unknown correlation type '" + s + "' (known: event_count, value_count, temporal, temporal_ordered, absence)");
  }

  void readCondition(const YAML::Node& cond, CorrelationRule& c) {
    if (!cond.IsMap()) {
      fail(cond, "'condition' must be a map such as {gte: 5}");
      return;
    }
    for (const auto& kv : cond) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (key == "field") {
        if (kv.second.IsScalar() && !kv.second.Scalar().empty()) c.value_field = kv.second.Scalar();
        else fail(kv.second, "'field' must name a field");
        continue;
      }
      std::optional<uint64_t>* slot = key == "gt" ? &c.condition.gt : key == "gte" ? &c.condition.gte
                                    : key == "lt" ? &c.condition.lt : key == "lte" ? &c.condition.lte
                                    : key == "eq" ? &c.condition.eq : nullptr;
      if (!slot) {
        fail(kv.first, "unknown condition '" + key + "' (known: gt, gte, lt, lte, eq, field)");
        continue;
      }
      uint64_t n = 0;
      const std::string text = kv.second.IsScalar() ? kv.second.Scalar() : "";
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (text.empty() || ec != std::errc() || p != text.data() + text.size()) fail(kv.second, "'" + key + "' must be a whole number");
      else *slot = n;
    }
  }

  void readAliases(const YAML::Node& aliases, CorrelationRule& c) {
    if (!aliases.IsMap()) {
      fail(aliases, "'aliases' must map each alias to {rule: field, ...}");
      return;
    }
    for (const auto& kv : aliases) {
      std::string alias = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (alias.empty() || !kv.second.IsMap()) {
        fail(kv.first, "alias '" + alias + "' must map rule names to field names");
        continue;
      }
      for (const auto& rf : kv.second) {
        if (!rf.first.IsScalar() || !rf.second.IsScalar() || rf.second.Scalar().empty()) {
          fail(rf.first, "alias '" + alias + "': each entry is 'rule name: field name'");
          continue;
        }
        c.aliases[alias][rf.first.Scalar()] = rf.second.Scalar();
      }
    }
  }

  // What each type needs beyond the common keys.
  void checkShape(const YAML::Node& corr, const CorrelationRule& c) {
    if (!ok_) return;
    const bool value_count = c.type == CorrelationType::kValueCount;
    if (value_count && c.value_field.empty()) fail(corr["condition"], "value_count needs 'field' in its condition: the field whose distinct values are counted");
    if (!value_count && !c.value_field.empty()) fail(corr["condition"], "'field' belongs to value_count conditions only");
    if (c.type == CorrelationType::kTemporalOrdered && c.rules.size() < 2) fail(corr["rules"], "temporal_ordered needs at least two rules, in the order they must occur");
    if (c.type == CorrelationType::kAbsence) {
      if (c.rules.size() > 2) fail(corr["rules"], "absence takes one rule (silent for the timespan) or two (the first not followed by the second)");
      if (!c.condition.empty()) fail(corr["condition"], "absence has no condition: it fires when nothing matched for the timespan");
    }
    if (c.type == CorrelationType::kTemporal && c.condition.judgedAtClose())
      fail(corr["condition"], "temporal conditions count the distinct rules seen: use gt or gte");
    if (c.type == CorrelationType::kTemporalOrdered && !c.condition.empty())
      fail(corr["condition"], "temporal_ordered has no condition: every rule must occur, in order");
    if (c.condition.judgedAtClose() && c.condition.eq && (c.condition.lt || c.condition.lte || c.condition.gt || c.condition.gte))
      fail(corr["condition"], "'eq' cannot be combined with other bounds");
    std::set<std::string> seen;
    for (const auto& r : c.rules)
      if (!seen.insert(r).second) fail(corr["rules"], "rule '" + r + "' is listed twice");
  }

  const std::string& file_;
  std::vector<Error>& errors_;
  CorrelationType type_ = CorrelationType::kEventCount;
  bool ok_ = true;
};

}  // namespace

bool readCorrelationDocument(const YAML::Node& doc, const std::string& file, const std::string& fallback_id,
                             CorrelationRule& out, std::vector<Error>& errors) {
  CorrelationReader reader(file, errors);
  return reader.read(doc, fallback_id, out);
}

}  // namespace hinomi::rules
