#include "correlator/rules/rule_fixtures.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <yaml-cpp/yaml.h>

#include "common/config/yaml_documents.h"
#include "common/config/yaml_files.h"
#include "correlator/rules/rule_loader.h"

namespace hinomi::rules {
namespace fs = std::filesystem;
namespace {

Location markLocation(const std::string& file, const YAML::Mark& m) {
  return Location{file, m.is_null() || m.line < 0 ? 1 : m.line + 1, m.is_null() || m.column < 0 ? 1 : m.column + 1};
}

// A plain (unquoted) YAML scalar as JSON: numbers, true / false and null typed as a decoder would
// type them; anything quoted stays text.
nlohmann::json typedScalar(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted
  if (s.empty() || s == "~" || s == "null") return nullptr;
  if (s == "true") return true;
  if (s == "false") return false;
  const char* end = s.data() + s.size();
  int64_t i = 0;
  if (auto r = std::from_chars(s.data(), end, i); r.ec == std::errc() && r.ptr == end) return i;
  double d = 0;
  if (auto r = std::from_chars(s.data(), end, d); r.ec == std::errc() && r.ptr == end) return d;
  return s;
}

nlohmann::json toJson(const YAML::Node& n) {
  if (n.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& kv : n) out[kv.first.Scalar()] = toJson(kv.second);
    return out;
  }
  if (n.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& x : n) out.push_back(toJson(x));
    return out;
  }
  if (n.IsScalar()) return typedScalar(n);
  return nullptr;
}

class DocReader {
 public:
  DocReader(const std::string& file, std::vector<Error>& errors) : file_(file), errors_(errors) {}

  // True when the document became `fixture`.
  bool read(const YAML::Node& doc, RuleFixture& fixture) {
    fixture.location = at(doc);
    if (!doc.IsMap()) return fail(doc, "a rule fixture must be a YAML map with 'rule' and 'fire' / 'no_fire'");
    for (const auto& kv : doc) {
      const std::string& key = kv.first.Scalar();
      if (key == "rule") {
        fixture.location = at(kv.first);
        fixture.rule_id = text(kv.second, "rule");
      } else if (key == "tenant") {
        fixture.tenant = text(kv.second, "tenant");
      } else if (key == "fire" || key == "no_fire") {
        readCases(kv.second, key, fixture.cases);
      } else if (key == "script") {
        fixture.has_script = true;
        readCases(kv.second, key, fixture.script);
      } else if (key == "expect") {
        readExpect(kv.second, fixture.expect);
      } else {
        fail(kv.first, "unknown key '" + key + "' in a rule fixture (known: rule, tenant, fire, no_fire, script, expect)");
      }
    }
    if (!doc["rule"]) fail(doc, "the fixture has no 'rule' (the id of the rule it tests)");
    else if (ok_ && fixture.rule_id.empty()) fail(doc["rule"], "'rule' is empty");
    if (ok_ && fixture.has_script && !fixture.cases.empty())
      fail(doc, "a fixture has either 'fire' / 'no_fire' (a detection rule) or 'script' (a correlation), not both");
    else if (ok_ && fixture.has_script && !doc["expect"])
      fail(doc, "a 'script' needs 'expect': the incidents it must raise ([] for none)");
    else if (ok_ && !fixture.has_script && doc["expect"]) fail(doc["expect"], "'expect' belongs to a 'script'");
    else if (ok_ && fixture.has_script && fixture.script.empty()) fail(doc["script"], "the script has no cases");
    else if (ok_ && !fixture.has_script && fixture.cases.empty())
      fail(doc, "the fixture has no cases under 'fire' or 'no_fire' (or a 'script')");
    return ok_;
  }

 private:
  Location at(const YAML::Node& node) const {
    YAML::Mark m = YAML::Mark::null_mark();
    try {
      if (node.IsDefined()) m = node.Mark();
    } catch (const YAML::Exception&) {
    }
    return markLocation(file_, m);
  }
  bool fail(const YAML::Node& node, std::string why) {
    errors_.push_back(Error{ErrorCode::kConfig, std::move(why), at(node)});
    ok_ = false;
    return false;
  }

  std::string text(const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar()) {
      fail(n, "'" + key + "' must be a string");
      return {};
    }
    return n.Scalar();
  }

  void readCases(const YAML::Node& list, const std::string& key, std::vector<FixtureCase>& cases) {
    if (list.IsNull()) return;
    if (!list.IsSequence()) {
      fail(list, "'" + key + "' must be a list of cases ({line: …} or {event: …})");
      return;
    }
    for (const auto& item : list) {
      FixtureCase c;
      c.expect_fire = key == "fire";
      c.location = at(item);
      if (readCase(item, c)) cases.push_back(std::move(c));
    }
  }

  void readExpect(const YAML::Node& list, std::vector<ExpectedIncident>& out) {
    if (!list.IsSequence()) {
      fail(list, "'expect' must be a list of incidents ({group: …, event_count: N}), [] for none");
      return;
    }
    for (const auto& item : list) {
      ExpectedIncident e;
      e.location = at(item);
      if (!item.IsMap()) {
        fail(item, "an expected incident is a map (group, event_count)");
        continue;
      }
      for (const auto& kv : item) {
        const std::string& key = kv.first.Scalar();
        if (key == "group" && kv.second.IsMap()) {
          e.group = nlohmann::json::object();
          for (const auto& g : kv.second) e.group[g.first.Scalar()] = g.second.IsScalar() ? g.second.Scalar() : "";
        } else if (key == "event_count" && kv.second.IsScalar()) {
          uint64_t n = 0;
          const std::string& s = kv.second.Scalar();
          auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
          if (ec != std::errc() || p != s.data() + s.size()) fail(kv.second, "'event_count' must be a whole number");
          e.event_count = n;
        } else {
          fail(kv.first, "unknown or malformed key '" + key + "' in an expected incident (known: group as a map, event_count)");
        }
      }
      out.push_back(std::move(e));
    }
  }

  bool readCase(const YAML::Node& item, FixtureCase& c) {
    if (!item.IsMap() || item.size() != 1)
      return fail(item, "a case is a map with one key: 'line' (a log line) or 'event' (a decoded event)");
    const auto& kv = *item.begin();
    const std::string& key = kv.first.Scalar();
    if (key == "line") {
      c.kind = FixtureCase::Kind::kLine;
      c.line = text(kv.second, "line");
      // A block scalar (`line: |`) ends with a newline; the line is what precedes it.
      if (!c.line.empty() && c.line.back() == '\n') c.line.pop_back();
      if (c.line.find('\n') != std::string::npos) return fail(kv.second, "'line' must be one log line");
      return ok_;
    }
    if (key == "event") return readEvent(kv.second, c);
    return fail(kv.first, "unknown key '" + key + "' in a case (known: line, event)");
  }

  bool readEvent(const YAML::Node& n, FixtureCase& c) {
    static constexpr std::array<std::string_view, 10> kKeys = {
        "ts", "tenant", "host", "app", "facility", "severity", "message", "raw", "decoder", "fields"};
    c.kind = FixtureCase::Kind::kEvent;
    if (!n.IsMap()) return fail(n, "'event' must be a map (app, host, message, fields, …)");
    nlohmann::json j = nlohmann::json::object();
    for (const auto& kv : n) {
      const std::string& key = kv.first.Scalar();
      if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end())
        return fail(kv.first, "unknown key '" + key +
                                  "' in an event (known: ts, tenant, host, app, facility, severity, message, raw, "
                                  "decoder, fields)");
      if (key == "fields" || key == "facility" || key == "severity") j[key] = toJson(kv.second);
      else if (kv.second.IsScalar()) j[key] = kv.second.Scalar();  // text, even when it looks like a number
      else return fail(kv.second, "'" + key + "' must be a string");
    }
    std::string text;
    try {
      text = j.dump();
    } catch (const nlohmann::json::type_error&) {  // found by rule_fixture_fuzz: dump() throws on it
      return fail(n, "event: text that is not valid UTF-8");
    }
    auto event = eventFromJson(text);
    if (!event) return fail(n, "event: " + event.error().message);
    c.event = std::move(*event);
    return ok_;
  }

  const std::string& file_;
  std::vector<Error>& errors_;
  bool ok_ = true;
};

bool underTests(const fs::path& relative) {
  for (const auto& part : relative.parent_path())
    if (part == "tests") return true;
  return false;
}

}  // namespace

FixtureLoad readFixtureText(std::string_view text, const std::string& file) {
  FixtureLoad out;
  out.files = 1;
  std::vector<YAML::Node> docs;
  try {
    docs = config::loadAllDocuments(std::string(text));
  } catch (const YAML::Exception& e) {
    out.errors.push_back(Error{ErrorCode::kConfig, "YAML syntax: " + e.msg, markLocation(file, e.mark)});
    return out;
  }
  for (const auto& doc : docs) {
    if (doc.IsNull()) continue;  // an empty document, e.g. after a trailing ---
    RuleFixture fixture;
    try {
      DocReader reader(file, out.errors);
      if (reader.read(doc, fixture)) out.fixtures.push_back(std::move(fixture));
    } catch (const YAML::Exception& e) {
      out.errors.push_back(Error{ErrorCode::kConfig, "YAML: " + e.msg, markLocation(file, e.mark)});
    }
  }
  return out;
}

FixtureLoad loadFixtures(const std::vector<std::string>& rule_paths) {
  FixtureLoad out;
  for (const auto& root : distinctPaths(rule_paths)) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;
    auto found = config::yamlFilesUnder(root, ec);
    if (ec) out.errors.push_back(Error{ErrorCode::kIo, "cannot list: " + ec.message(), Location{root, 1, 1}});
    for (const auto& p : found) {
      if (!underTests(p.lexically_relative(root))) continue;
      auto text = config::readWholeFile(p);
      if (!text) {
        out.errors.push_back(Error{ErrorCode::kIo, "cannot read the file", Location{p.string(), 1, 1}});
        continue;
      }
      auto one = readFixtureText(*text, p.string());
      out.files += one.files;
      for (auto& f : one.fixtures) out.fixtures.push_back(std::move(f));
      out.errors.insert(out.errors.end(), one.errors.begin(), one.errors.end());
    }
  }
  return out;
}

}  // namespace hinomi::rules
