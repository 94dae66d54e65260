#include "collector/parsers/rfc5424_parser.h"

#include <string>

#include "collector/parsers/parse_util.h"
#include "common/time.h"

namespace hinomi::collector {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// A header field: printable US-ASCII up to the next SP. Empty view + false when invalid.
bool headerField(std::string_view s, size_t& pos, size_t max_len, std::string_view& field) {
  size_t start = pos;
  while (pos < s.size() && s[pos] != ' ') {
    unsigned char c = static_cast<unsigned char>(s[pos]);
    if (c < 33 || c > 126) return false;
    ++pos;
  }
  field = s.substr(start, pos - start);
  if (field.empty() || field.size() > max_len) return false;
  if (pos >= s.size()) return false;  // every header field is followed by SP
  ++pos;
  if (field == "-") field = {};
  return true;
}

bool sdNameChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u >= 33 && u <= 126 && c != '=' && c != ']' && c != '"';
}

// One SD-ELEMENT at s[pos] == '['. Writes params to fields; returns false when invalid.
bool sdElement(std::string_view s, size_t& pos, Event& out, std::string& value,
               nlohmann::json& ids) {
  ++pos;  // '['
  size_t start = pos;
  while (pos < s.size() && sdNameChar(s[pos])) ++pos;
  std::string_view id = s.substr(start, pos - start);
  if (id.empty() || id.size() > 32) return false;
  ids.push_back(std::string(id));
  std::string key = "syslog.sd.";
  key.append(id).push_back('.');
  const size_t key_base = key.size();
  while (pos < s.size() && s[pos] == ' ') {
    ++pos;
    start = pos;
    while (pos < s.size() && sdNameChar(s[pos])) ++pos;
    std::string_view param = s.substr(start, pos - start);
    if (param.empty() || param.size() > 32 || pos >= s.size() || s[pos] != '=') return false;
    ++pos;
    value.clear();
    if (pos < s.size() && s[pos] == '"') {
      ++pos;
      bool closed = false;
      while (pos < s.size()) {
        char c = s[pos];
        if (c == '\\' && pos + 1 < s.size() &&
            (s[pos + 1] == '"' || s[pos + 1] == '\\' || s[pos + 1] == ']')) {
          value.push_back(s[pos + 1]);
          pos += 2;
        } else if (c == '"') {
          ++pos;
          closed = true;
          break;
        } else if (c == ']') {
          return false;  // must be escaped inside a value
        } else {
          value.push_back(c);  // a backslash before anything else stays literal
          ++pos;
        }
      }
      if (!closed) return false;
    } else {
      // VMware ESXi writes unquoted values: take them up to SP or ']'.
      start = pos;
      while (pos < s.size() && s[pos] != ' ' && s[pos] != ']' && s[pos] != '"') ++pos;
      value.assign(s.substr(start, pos - start));
    }
    key.resize(key_base);
    key.append(param);
    out.fields[key].assignString(value);
  }
  if (pos >= s.size() || s[pos] != ']') return false;
  ++pos;
  return true;
}

}  // namespace

void Rfc5424Parser::parse(std::string_view bytes, const ParseContext& ctx, Event& out) const {
  parse::resetEvent(bytes, out);
  out.ts_us = ctx.ingest_ts_us;
  std::string_view s = bytes;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.remove_suffix(1);
  int pri = 0;
  bool pri_range = false;
  size_t pos = parse::parsePri(s, pri, &pri_range);
  if (pos == 0) return out.markMalformed(pri_range ? "pri out of range" : "missing pri");
  parse::setPri(out, pri);

  size_t vstart = pos;
  while (pos < s.size() && pos - vstart < 4 && s[pos] >= '0' && s[pos] <= '9') ++pos;
  if (pos == vstart || pos - vstart > 3 || s[vstart] == '0' || pos >= s.size() || s[pos] != ' ')
    return out.markMalformed("bad version");
  ++pos;

  std::string_view ts;
  if (!headerField(s, pos, 64, ts)) return out.markMalformed("bad timestamp");
  if (!ts.empty()) {
    for (char c : ts)
      if (c == 't' || c == 'z') return out.markMalformed("bad timestamp");
    auto t = parseRfc3339(ts);
    if (!t) return out.markMalformed("bad timestamp");
    out.ts_us = *t;
  }
  std::string_view host, app, procid, msgid;
  if (!headerField(s, pos, 255, host)) return out.markMalformed("bad hostname");
  if (!headerField(s, pos, 48, app)) return out.markMalformed("bad app-name");
  if (!headerField(s, pos, 128, procid)) return out.markMalformed("bad procid");
  // MSGID is the last field that must be followed by SP.
  if (!headerField(s, pos, 32, msgid)) return out.markMalformed("bad msgid");
  out.host = host.empty() ? ctx.peer : std::string(host);
  out.app.assign(app);
  parse::putString(out, "syslog.procid", procid);
  parse::putString(out, "syslog.msgid", msgid);
  int64_t pid;
  if (parse::parseUint(procid, pid)) out.fields["process.pid"] = pid;

  if (pos >= s.size()) return out.markMalformed("missing structured-data");
  if (s[pos] == '-') {
    ++pos;
  } else if (s[pos] == '[') {
    std::string value;
    nlohmann::json ids = nlohmann::json::array();
    while (pos < s.size() && s[pos] == '[')
      if (!sdElement(s, pos, out, value, ids)) return out.markMalformed("bad structured-data");
    out.fields["syslog.sd_ids"] = FieldValue::fromJson(ids);
  } else {
    return out.markMalformed("bad structured-data");
  }
  if (pos < s.size()) {
    if (s[pos] != ' ') return out.markMalformed("no space after structured-data");
    std::string_view msg = s.substr(pos + 1);
    if (msg.substr(0, 3) == kBom) msg.remove_prefix(3);
    out.message.assign(msg);
  }
}

}  // namespace hinomi::collector
