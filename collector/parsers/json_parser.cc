#include "collector/parsers/json_parser.h"

#include <string>

#include "collector/parsers/envelope.h"
#include "collector/parsers/parse_util.h"
#include "common/time.h"

namespace hinomi::collector {
namespace {

// nlohmann's dump and flattening recurse; refuse nesting that could exhaust the stack.
constexpr int kMaxDepth = 64;

bool nestingWithin(std::string_view s, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
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

void flatten(const nlohmann::json& j, std::string& prefix, Fields& fields) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    size_t len = prefix.size();
    if (len > 0) prefix.push_back('.');
    prefix.append(it.key());
    const auto& v = it.value();
    if (v.is_object()) {
      flatten(v, prefix, fields);
    } else if (v.is_array()) {
      bool scalars = true;
      for (const auto& e : v) scalars = scalars && e.is_primitive();
      fields[prefix] = scalars ? FieldValue::fromJson(v)
                               : FieldValue(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else if (v.is_string()) {
      fields[prefix].assignString(v.get_ref<const std::string&>());
    } else {
      fields[prefix] = FieldValue::fromJson(v);
    }
    prefix.resize(len);
  }
}

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
  if (!nestingWithin(s, kMaxDepth)) return out.markMalformed("json nested too deeply");
  nlohmann::json j = nlohmann::json::parse(s, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return out.markMalformed("invalid json");
  if (!j.is_object()) return out.markMalformed("json is not an object");
  std::string prefix;
  flatten(j, prefix, out.fields);
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
