#include "collector/parsers/json_parser.h"

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "collector/parsers/envelope.h"
#include "collector/parsers/parse_util.h"
#include "common/time.h"

namespace hinomi::collector {
namespace {

// nlohmann's dump and flattening recurse; refuse nesting that could exhaust the stack.
constexpr int kMaxDepth = 64;

// Whether nesting stays within `limit`, and whether a string holds a raw control byte.
bool nestingWithin(std::string_view s, int limit, bool& control_in_string) {
  int depth = 0;
  bool in_string = false;
  control_in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      else if (static_cast<unsigned char>(c) < 0x20) control_in_string = true;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

// An array as the nlohmann reading stores it: scalars as a list, anything deeper as JSON text.
FieldValue arrayValue(const nlohmann::json& v) {
  bool scalars = true;
  for (const auto& e : v) scalars = scalars && e.is_primitive();
  return scalars ? FieldValue::fromJson(v) : FieldValue(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void flatten(const nlohmann::json& j, std::string& prefix, Fields& fields) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    size_t len = prefix.size();
    if (len > 0) prefix.push_back('.');
    prefix.append(it.key());
    const auto& v = it.value();
    if (v.is_object()) {
      flatten(v, prefix, fields);
    } else if (v.is_array()) {
      fields[prefix] = arrayValue(v);
    } else if (v.is_string()) {
      fields[prefix].assignString(v.get_ref<const std::string&>());
    } else {
      fields[prefix] = FieldValue::fromJson(v);
    }
    prefix.resize(len);
  }
}

// The same walk over simdjson's DOM. Members are visited as nlohmann's std::map holds them:
// sorted by key, and of equal keys only the last.
void flatten(simdjson::dom::object object, std::string& prefix, Fields& fields) {
  using simdjson::dom::element_type;
  std::vector<std::pair<std::string_view, simdjson::dom::element>> members;
  members.reserve(object.size());
  for (auto m : object) members.emplace_back(m.key, m.value);
  std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < members.size(); ++i) {
    if (i + 1 < members.size() && members[i + 1].first == members[i].first) continue;
    const auto& [key, v] = members[i];
    size_t len = prefix.size();
    if (len > 0) prefix.push_back('.');
    prefix.append(key);
    switch (v.type()) {
      case element_type::OBJECT: flatten(simdjson::dom::object(v), prefix, fields); break;
      case element_type::ARRAY: {  // rare: read by nlohmann so the list is exactly what it was
        std::string text = simdjson::minify(v);
        auto list = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
        fields[prefix] = list.is_discarded() ? FieldValue(std::move(text)) : arrayValue(list);
        break;
      }
      case element_type::STRING: fields[prefix].assignString(std::string_view(v)); break;
      case element_type::INT64: fields[prefix] = FieldValue(int64_t(v)); break;
      case element_type::UINT64: fields[prefix] = FieldValue(uint64_t(v)); break;
      case element_type::DOUBLE: fields[prefix] = FieldValue(double(v)); break;
      case element_type::BOOL: fields[prefix] = FieldValue(bool(v)); break;
      case element_type::NULL_VALUE: fields[prefix] = FieldValue(); break;
    }
    prefix.resize(len);
  }
}

}  // namespace

bool flattenJsonObject(std::string_view s, Fields& fields, const char*& why, bool reference) {
  bool control = false;
  if (!nestingWithin(s, kMaxDepth, control)) {
    why = "json nested too deeply";
    return false;
  }
  std::string prefix;
  if (!reference && !control) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(s.data(), s.size(), /*realloc_if_needed=*/true).get(root) == simdjson::SUCCESS) {
      if (root.type() != simdjson::dom::element_type::OBJECT) {
        why = "json is not an object";
        return false;
      }
      flatten(simdjson::dom::object(root), prefix, fields);
      return true;
    }
  }
  nlohmann::json j = nlohmann::json::parse(s, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    why = "invalid json";
    return false;
  }
  if (!j.is_object()) {
    why = "json is not an object";
    return false;
  }
  flatten(j, prefix, fields);
  return true;
}

namespace {

const FieldValue* firstString(const Fields& fields, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    const FieldValue* v = fields.find(k);
    if (v != nullptr && v->isString() && !v->str().empty()) return v;
  }
  return nullptr;
}

bool timeFrom(const FieldValue& v, const ParseContext& ctx, int64_t& ts) {
  if (v.isString()) {
    const auto& s = v.str();
    if (auto t = parseRfc3339(s)) {
      ts = *t;
      return true;
    }
    parse::CivilTime c;  // "2025-04-01 09:15:02" (NXLog): local time
    if (parse::parseIsoLocal(s, c) == s.size()) {
      ts = parse::civilToMicros(c, ctx.local_utc_offset_secs);
      return true;
    }
  } else if (v.isNumber()) {
    double d = v.number();
    if (!(d > 0 && d < 1e19)) return false;
    if (d < 1e11) ts = static_cast<int64_t>(d * 1e6);        // seconds
    else if (d < 1e14) ts = static_cast<int64_t>(d * 1e3);   // milliseconds
    else if (d < 1e17) ts = static_cast<int64_t>(d);         // microseconds
    else ts = static_cast<int64_t>(d / 1e3);                 // nanoseconds
    return true;
  }
  return false;
}

}  // namespace

void JsonParser::parse(std::string_view bytes, const ParseContext& ctx, Event& out) const {
  std::string_view s = parse::trimLineEnd(bytes);
  size_t lead = 0;
  while (lead < s.size() && (s[lead] == ' ' || s[lead] == '\t')) ++lead;
  std::string body;
  if (lead < s.size() && s[lead] == '{') {
    parse::resetEvent(bytes, out);
    out.ts_us = ctx.ingest_ts_us;
    out.host = ctx.peer;
    s.remove_prefix(lead);
  } else {
    parseEnvelope(bytes, ctx, out);  // JSON in a syslog body
    body = std::move(out.message);
    out.message.clear();
    s = parse::trimLineEnd(body);
  }
  const char* why = nullptr;
  if (!flattenJsonObject(s, out.fields, why)) return out.markMalformed(why);
  const auto& f = out.fields;
  for (const char* k : {"@timestamp", "timestamp", "time", "EventTime"}) {
    const FieldValue* v = f.find(k);
    if (v != nullptr && timeFrom(*v, ctx, out.ts_us)) break;
  }
  if (auto* h = firstString(f, {"host.name", "hostname", "host", "Hostname", "host.hostname"}))
    out.host = h->str();
  if (auto* m = firstString(f, {"message", "msg", "Message"})) out.message = m->str();
  if (auto* a = firstString(f, {"app", "program", "process.name", "SourceName", "event.provider"}))
    out.app = a->str();
}

}  // namespace hinomi::collector
