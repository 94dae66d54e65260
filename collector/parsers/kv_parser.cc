#include "collector/parsers/kv_parser.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "collector/parsers/envelope.h"
#include "collector/parsers/parse_util.h"

namespace hinomi::collector {
namespace {

struct Mapping {
  std::string_view key;
  std::string_view ecs;
  bool numeric;
};
constexpr std::array kMappings = {
    Mapping{"srcip", "source.ip", false},      Mapping{"src", "source.ip", false},
    Mapping{"dstip", "destination.ip", false}, Mapping{"dst", "destination.ip", false},
    Mapping{"srcport", "source.port", true},   Mapping{"dstport", "destination.port", true},
    Mapping{"spt", "source.port", true},       Mapping{"dpt", "destination.port", true},
    Mapping{"action", "event.action", false},  Mapping{"user", "user.name", false},
    Mapping{"proto", "network.iana_number", true}, Mapping{"level", "log.level", false},
};

// Key bytes: [A-Za-z0-9_.-], as a table (a FortiGate line has ~45 keys).
constexpr std::array<bool, 256> kKeyChar = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[size_t(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                   c == '.' || c == '-';
  return t;
}();

bool keyChar(char c) { return kKeyChar[static_cast<unsigned char>(c)]; }

// "+0900" / "+09:00" / "-0500" → seconds east of UTC.
bool zoneOffset(std::string_view z, int64_t& secs) {
  if (z.size() < 5 || (z[0] != '+' && z[0] != '-')) return false;
  int64_t h, m;
  std::string_view mm = z[3] == ':' ? z.substr(4) : z.substr(3);
  if (!parse::parseUint(z.substr(1, 2), h) || !parse::parseUint(mm, m) || mm.size() != 2 || h > 23 ||
      m > 59)
    return false;
  secs = (z[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
  return true;
}

}  // namespace

size_t parseKvPairs(std::string_view s, const ParseContext& ctx, Event& out) {
  size_t pos = 0, pairs = 0;
  thread_local std::string unescaped, name = "kv.";  // kept: no allocation per line
  while (pos < s.size()) {
    while (pos < s.size() && s[pos] == ' ') ++pos;
    size_t kstart = pos;
    while (pos < s.size() && keyChar(s[pos])) ++pos;
    if (pos == kstart || pos >= s.size() || s[pos] != '=') {
      // Not a pair: skip the word.
      while (pos < s.size() && s[pos] != ' ') ++pos;
      continue;
    }
    std::string_view key = s.substr(kstart, pos - kstart);
    ++pos;
    std::string_view value;  // into the line, or into `unescaped` for a quoted value with escapes
    if (pos < s.size() && s[pos] == '"') {
      // A run at a time up to the next quote or backslash (not a char at a time); copied only
      // once a backslash shows up.
      const size_t vstart = ++pos;
      bool copied = false;
      size_t quote = 0;  // the next quote at or after pos, found again only once pos passes it
      for (;;) {
        // Two memchr runs: string_view::find_first_of tests the set once per byte.
        if (quote < pos) quote = std::min(s.find('"', pos), s.size());
        const void* slash = std::memchr(s.data() + pos, '\\', quote - pos);
        const size_t stop = slash ? size_t(static_cast<const char*>(slash) - s.data()) : quote;
        if (copied) unescaped.append(s.substr(pos, stop - pos));
        pos = stop;
        if (pos >= s.size() || s[pos] == '"') break;
        if (!copied) {
          unescaped.assign(s.substr(vstart, pos - vstart));
          copied = true;
        }
        if (pos + 1 < s.size() && (s[pos + 1] == '"' || s[pos + 1] == '\\')) ++pos;
        unescaped.push_back(s[pos++]);
      }
      value = copied ? std::string_view(unescaped) : s.substr(vstart, pos - vstart);
      if (pos < s.size()) ++pos;  // closing quote (an unclosed one runs to the end)
    } else {
      size_t vstart = pos;
      pos = std::min(s.find(' ', pos), s.size());  // memchr, not a byte at a time
      value = s.substr(vstart, pos - vstart);
    }
    ++pairs;
    for (const auto& m : kMappings)
      if (m.key.size() == key.size() && m.key[0] == key[0] && m.key == key && !out.fields.contains(m.ecs)) {
        if (m.numeric) parse::putNumberOrString(out, m.ecs, value);
        else parse::putString(out, m.ecs, value);
      }
    if (key == "devname" && !value.empty()) out.host = value;
    name.resize(3);  // "kv."
    name.append(key);
    out.fields[name].assignString(value);  // into the slot's kept buffer: no allocation once warm
  }
  // FortiGate: date=YYYY-MM-DD time=hh:mm:ss tz="+0900" (local time of the device).
  const FieldValue* date = out.fields.find("kv.date");
  const FieldValue* time = out.fields.find("kv.time");
  if (date != nullptr && time != nullptr) {
    thread_local std::string iso;
    iso.assign(date->str()).append("T").append(time->str());
    parse::CivilTime t;
    if (parse::parseIsoLocal(iso, t) == iso.size()) {
      int64_t offset = ctx.local_utc_offset_secs;
      if (const FieldValue* tz = out.fields.find("kv.tz")) zoneOffset(tz->str(), offset);
      out.ts_us = parse::civilToMicros(t, offset);
    }
  }
  return pairs;
}

void KvParser::parse(std::string_view bytes, const ParseContext& ctx, Event& out) const {
  parseEnvelope(bytes, ctx, out);
  if (out.malformed()) return;
  thread_local std::string body;  // a copy: out.message keeps its buffer for the line after
  body.assign(out.message);
  out.message.clear();
  std::string_view s = parse::trimLineEnd(body);
  if (parseKvPairs(s, ctx, out) == 0) {
    out.message.assign(s);
    return out.markMalformed("no key=value pairs");
  }
  const FieldValue* msg = out.fields.find("kv.msg");
  out.message = msg != nullptr ? msg->str() : std::string(s);
}

}  // namespace hinomi::collector
