#include "correlator/decoders/decoder_loader.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/config/diagnostics.h"
#include "common/config/schema.h"
#include "common/config/yaml_files.h"

namespace hinomi::correlator {
namespace {

using config::Diagnostics;
using config::describeNode;

const std::vector<std::string> kDecoderKeys = {"name",   "description", "order",  "app", "app_regex", "prefilter",
                                               "prefilter_regex", "has_fields", "field", "patterns",
                                               "map",    "rename",      "fields", "types", "csv"};
const std::vector<std::string> kPatternKeys = {"regex", "fields"};

bool validFieldName(const std::string& f) {
  if (f.empty() || f.front() == '.' || f.back() == '.' || f.find("..") != std::string::npos) return false;
  for (char c : f)
    if (c == ' ' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}

bool text(const YAML::Node& n, Diagnostics& d, const std::string& what, std::string& out) {
  if (!n.IsScalar()) {
    d.error(n, what + ": expected a string, got " + describeNode(n));
    return false;
  }
  out = n.Scalar();
  return true;
}

// A string or a list of strings.
std::vector<std::string> textList(const YAML::Node& n, Diagnostics& d, const std::string& what) {
  std::vector<std::string> out;
  std::string s;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (const auto& item : n)
      if (text(item, d, what, s)) out.push_back(s);
  } else {
    d.error(n, what + ": expected a string or a list of strings, got " + describeNode(n));
  }
  return out;
}

std::unique_ptr<RE2> compile(const YAML::Node& n, Diagnostics& d, const std::string& what) {
  std::string pattern;
  if (!text(n, d, what, pattern)) return nullptr;
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, options);
  if (!re->ok()) {
    d.error(n, what + ": invalid regular expression: " + re->error());
    return nullptr;
  }
  return re;
}

// A plain YAML scalar that reads as an integer or boolean becomes one; a quoted one stays text.
nlohmann::json constant(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() != "!") {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) return v;
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return s;
}

Fields constantFields(const YAML::Node& n, Diagnostics& d, const std::string& what) {
  Fields out;
  if (!n.IsMap()) {
    d.error(n, what + ": expected a mapping of field names to values, got " + describeNode(n));
    return out;
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key = it->first.Scalar();
    if (!validFieldName(key)) d.error(it->first, what + ": '" + key + "' is not a field name");
    else if (!it->second.IsScalar()) d.error(it->second, what + "." + key + ": expected a scalar, got " + describeNode(it->second));
    else out[key] = FieldValue::fromJson(constant(it->second));
  }
  return out;
}

bool checkKeys(const YAML::Node& n, const std::vector<std::string>& known, Diagnostics& d, const std::string& what) {
  bool ok = true;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      d.error(it->first, what + ": unknown key '" + key + "'" + config::suggestKey(key, known));
      ok = false;
    }
  }
  return ok;
}

void loadPattern(const YAML::Node& n, Diagnostics& d, const std::string& what, Decoder& out) {
  DecoderPattern p;
  // Not assigned later: assigning a yaml-cpp node writes through to the node it refers to.
  const YAML::Node regex = n.IsMap() ? n["regex"] : n;
  if (n.IsMap()) {
    checkKeys(n, kPatternKeys, d, what);
    if (!regex) {
      d.error(n, what + ": has no 'regex'");
      return;
    }
    if (n["fields"]) p.fields = constantFields(n["fields"], d, what + ".fields");
  }
  p.regex = compile(regex, d, what);
  if (!p.regex) return;
  for (const auto& [group, index] : p.regex->NamedCapturingGroups()) {
    std::string field = fieldFromGroupName(group);
    if (!validFieldName(field)) {
      d.error(regex, what + ": group name '" + group + "' gives no valid field name ('" + field + "')");
      continue;
    }
    p.captures.push_back(Capture{index, field});
  }
  std::sort(p.captures.begin(), p.captures.end(), [](const Capture& a, const Capture& b) { return a.group < b.group; });
  out.patterns.push_back(std::move(p));
}

void loadMappings(const YAML::Node& n, bool remove, Diagnostics& d, const std::string& what, Decoder& out) {
  if (!n.IsMap()) {
    d.error(n, what + ": expected a mapping of source field to field name, got " + describeNode(n));
    return;
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string from, to;
    if (!text(it->first, d, what, from) || !text(it->second, d, what + "." + from, to)) continue;
    if (from.empty() || (from[0] == '@' && from != "@app" && from != "@host" && from != "@message")) {
      d.error(it->first, what + ": '" + from + "' is not a field name, @app, @host or @message");
      continue;
    }
    if (!validFieldName(to)) d.error(it->second, what + "." + from + ": '" + to + "' is not a field name");
    else out.mappings.push_back(FieldMapping{from, to, remove});
  }
}

void loadTypes(const YAML::Node& n, Diagnostics& d, const std::string& what, Decoder& out) {
  if (!n.IsMap()) {
    d.error(n, what + ": expected a mapping of field name to type, got " + describeNode(n));
    return;
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string field, type;
    if (!text(it->first, d, what, field) || !text(it->second, d, what + "." + field, type)) continue;
    auto t = fieldTypeFromName(type);
    if (!t) d.error(it->second, what + "." + field + ": unknown type '" + type + "' (known: string, ip, int, timestamp)");
    else out.types.emplace_back(field, *t);
  }
}

// csv: {columns: [name, '', ...], separator: ','}
void loadCsv(const YAML::Node& n, Diagnostics& d, const std::string& what, Decoder& out) {
  if (!n.IsMap()) {
    d.error(n, what + ": expected {columns: [...], separator: ','}, got " + describeNode(n));
    return;
  }
  checkKeys(n, {"columns", "separator"}, d, what);
  if (auto s = n["separator"]) {
    std::string sep;
    if (text(s, d, what + ".separator", sep) && (sep.size() != 1 || sep == "\""))
      d.error(s, what + ".separator: expected one character other than '\"', got '" + sep + "'");
    else if (sep.size() == 1) out.csv_separator = sep[0];
  }
  auto c = n["columns"];
  if (!c || !c.IsSequence() || c.size() == 0) {
    d.error(c ? c : n, what + ".columns: expected a non-empty list of field names ('' skips a position)");
    return;
  }
  std::set<std::string> seen;
  for (const auto& item : c) {
    if (!item.IsScalar() && !item.IsNull()) {
      d.error(item, what + ".columns: expected a field name or '', got " + describeNode(item));
      out.csv_columns.emplace_back();
      continue;
    }
    std::string name = item.IsNull() ? "" : item.Scalar();
    if (!name.empty() && !seen.insert(name).second)
      d.error(item, what + ".columns: '" + name + "' names two positions");
    out.csv_columns.push_back(std::move(name));
  }
}

void loadDecoder(const YAML::Node& n, Diagnostics& d, const std::string& what, Decoder& out) {
  checkKeys(n, kDecoderKeys, d, what);
  if (!n["name"]) d.error(n, what + ": has no 'name'");
  else if (text(n["name"], d, what + ".name", out.name) && out.name.empty()) d.error(n["name"], what + ".name: is empty");
  std::string w = out.name.empty() ? what : "decoder '" + out.name + "'";
  if (auto o = n["order"]) {
    std::string s;
    int v = 0;
    if (text(o, d, w + ".order", s)) {
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || end != s.data() + s.size()) d.error(o, w + ".order: expected an integer, got '" + s + "'");
      else out.order = v;
    }
  }
  if (auto a = n["app"]) out.apps = textList(a, d, w + ".app");
  if (auto a = n["app_regex"]) out.app_regex = compile(a, d, w + ".app_regex");
  if (auto p = n["prefilter"]) text(p, d, w + ".prefilter", out.prefilter);
  if (auto p = n["prefilter_regex"]) out.prefilter_regex = compile(p, d, w + ".prefilter_regex");
  if (auto h = n["has_fields"]) out.has_fields = textList(h, d, w + ".has_fields");
  if (auto f = n["field"]) text(f, d, w + ".field", out.match_field);
  if (out.match_field == "@message") out.match_field.clear();
  if (!out.match_field.empty() && out.match_field[0] == '@' && out.match_field != "@app" && out.match_field != "@host")
    d.error(n["field"], w + ".field: '" + out.match_field + "' is not @app, @host or @message");
  if (auto p = n["patterns"]) {
    if (!p.IsSequence() || p.size() == 0) {
      d.error(p, w + ".patterns: expected a non-empty list, got " + describeNode(p));
    } else {
      for (size_t i = 0; i < p.size(); ++i) loadPattern(p[i], d, w + ".patterns[" + std::to_string(i) + "]", out);
    }
  }
  if (auto c = n["csv"]) loadCsv(c, d, w + ".csv", out);
  if (auto m = n["map"]) loadMappings(m, false, d, w + ".map", out);
  if (auto m = n["rename"]) loadMappings(m, true, d, w + ".rename", out);
  if (auto f = n["fields"]) out.fields = constantFields(f, d, w + ".fields");
  if (auto t = n["types"]) loadTypes(t, d, w + ".types", out);
  if (out.apps.empty() && !n["app_regex"] && out.prefilter.empty() && !out.prefilter_regex && out.has_fields.empty() &&
      !n["patterns"] && !n["prefilter_regex"])
    d.error(n, w + ": selects every event (give app, prefilter, prefilter_regex, has_fields or patterns)");
}

}  // namespace

std::string DecoderLoad::errorText() const {
  std::string out;
  for (const auto& e : errors) out += e.toString() + "\n";
  return out;
}

void DecoderLoader::addText(const std::string& text, const std::string& file) {
  Diagnostics diag(file);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    diag.error(e.mark, "YAML syntax: " + e.msg);
  }
  std::vector<Decoder> loaded;
  try {
    loadDecoders(root, file, diag, loaded);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on some misuse of odd documents; still a located error, never a crash.
    diag.error(e.mark, "cannot read: " + e.msg);
    loaded.clear();
  }
  for (auto& d : loaded) decoders_.push_back(std::move(d));
  errors_.insert(errors_.end(), diag.errors().begin(), diag.errors().end());
}

void DecoderLoader::loadDecoders(const YAML::Node& root, const std::string& file, config::Diagnostics& diag,
                                 std::vector<Decoder>& loaded) {
  if (diag.ok() && root && !root.IsNull()) {
    if (!root.IsMap()) {
      diag.error(root, "expected a mapping with 'decoders:', got " + describeNode(root));
    } else if (checkKeys(root, {"decoders"}, diag, "file")) {
      const YAML::Node list = root["decoders"];
      if (!list.IsSequence()) {
        diag.error(list ? list : root, "decoders: expected a list, got " + describeNode(list));
      } else {
        for (size_t i = 0; i < list.size(); ++i) {
          std::string what = "decoders[" + std::to_string(i) + "]";
          if (!list[i].IsMap()) {
            diag.error(list[i], what + ": expected a mapping, got " + describeNode(list[i]));
            continue;
          }
          Decoder dec;
          dec.location = Location{file, list[i].Mark().line + 1, list[i].Mark().column + 1};
          size_t before = diag.errors().size();
          loadDecoder(list[i], diag, what, dec);
          if (!dec.name.empty()) {
            auto [it, fresh] = names_.emplace(dec.name, dec.location);
            if (!fresh)
              diag.error(list[i]["name"], "decoder '" + dec.name + "' is already defined at " + it->second.file +
                                              ":" + std::to_string(it->second.line));
          }
          if (diag.errors().size() == before) loaded.push_back(std::move(dec));
        }
      }
    }
  }
}

void DecoderLoader::addFile(const std::string& path) {
  auto text = config::readWholeFile(path);
  if (!text) {
    errors_.push_back(Error{ErrorCode::kConfig, "cannot read the file", Location{path, 1, 1}});
    return;
  }
  addText(*text, path);
}

void DecoderLoader::addDirectory(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    errors_.push_back(Error{ErrorCode::kConfig, "not a directory of decoders", Location{dir, 1, 1}});
    return;
  }
  auto files = config::yamlFilesUnder(dir, ec);
  if (ec) errors_.push_back(Error{ErrorCode::kConfig, "cannot list: " + ec.message(), Location{dir, 1, 1}});
  for (const auto& f : files) addFile(f.string());
}

DecoderLoad DecoderLoader::finish() && {
  DecoderLoad out;
  out.errors = std::move(errors_);
  out.set = DecoderSet(std::move(decoders_));
  return out;
}

DecoderLoad loadDecoderDirectories(const std::vector<std::string>& dirs) {
  DecoderLoader loader;
  for (const auto& d : dirs) loader.addDirectory(d);
  return std::move(loader).finish();
}

}  // namespace hinomi::correlator
