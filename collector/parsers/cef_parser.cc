#include "collector/parsers/cef_parser.h"

#include <array>
#include <string>

#include "collector/parsers/envelope.h"
#include "collector/parsers/parse_util.h"
#include "common/time.h"

namespace hinomi::collector {
namespace {

struct Mapping {
  std::string_view cef;
  std::string_view ecs;
  bool numeric;
};
constexpr std::array kMappings = {
    Mapping{"src", "source.ip", false},          Mapping{"dst", "destination.ip", false},
    Mapping{"spt", "source.port", true},         Mapping{"dpt", "destination.port", true},
    Mapping{"suser", "source.user.name", false}, Mapping{"duser", "user.name", false},
    Mapping{"act", "event.action", false},       Mapping{"shost", "source.domain", false},
    Mapping{"dhost", "destination.domain", false}, Mapping{"proto", "network.transport", false},
    Mapping{"fname", "file.name", false},        Mapping{"filePath", "file.path", false},
    Mapping{"request", "url.original", false},   Mapping{"smac", "source.mac", false},
    Mapping{"dmac", "destination.mac", false},   Mapping{"outcome", "event.outcome", false},
    Mapping{"cnt", "event.count", true},
};

bool keyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == '[' || c == ']';
}

// Length of a `key=` starting at s[pos], or 0.
size_t keyAt(std::string_view s, size_t pos) {
  size_t p = pos;
  while (p < s.size() && p - pos < 64 && keyChar(s[p])) ++p;
  return p > pos && p < s.size() && s[p] == '=' ? p - pos : 0;
}

void unescapeValue(std::string_view v, std::string& out) {
  out.clear();
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      char n = v[i + 1];
      if (n == '=' || n == '\\' || n == '|') { out.push_back(n); ++i; continue; }
      if (n == 'n') { out.push_back('\n'); ++i; continue; }
      if (n == 'r') { out.push_back('\r'); ++i; continue; }
    }
    out.push_back(v[i]);
  }
}

void putExtension(Event& out, std::string_view key, const std::string& value, std::string& ext_msg) {
  std::string name = "cef.";
  name.append(key);
  out.fields[name].assignString(value);
  for (const auto& m : kMappings)
    if (m.cef == key) {
      if (m.numeric) parse::putNumberOrString(out, m.ecs, value);
      else parse::putString(out, m.ecs, value);
    }
  if (key == "msg") ext_msg = value;
  if (key == "rt") {
    int64_t n;
    if (parse::parseUint(value, n) && value.size() >= 12) {
      out.ts_us = n * 1000;  // epoch milliseconds
    } else if (auto t = parseRfc3339(value)) {
      out.ts_us = *t;
    }
  }
}

}  // namespace

void CefParser::parse(std::string_view bytes, const ParseContext& ctx, Event& out) const {
  parseEnvelope(bytes, ctx, out);
  std::string body = std::move(out.message);
  out.message.clear();
  if (out.malformed()) return;
  std::string_view s = parse::trimLineEnd(body);
  size_t start = s.find("CEF:");
  if (start == std::string_view::npos) return out.markMalformed("no CEF header");
  s.remove_prefix(start + 4);

  // Seven '|'-terminated header fields; the eighth (extension) is the rest.
  std::array<std::string, 7> header;
  size_t field = 0, pos = 0;
  while (field < 7 && pos < s.size()) {
    char c = s[pos];
    if (c == '\\' && pos + 1 < s.size() && (s[pos + 1] == '|' || s[pos + 1] == '\\')) {
      header[field].push_back(s[pos + 1]);
      pos += 2;
    } else if (c == '|') {
      ++field;
      ++pos;
    } else {
      header[field].push_back(c);
      ++pos;
    }
  }
  if (field < 7) return out.markMalformed("CEF header has fewer than 8 fields");
  static constexpr std::array<std::string_view, 7> kNames = {
      "cef.version",      "cef.device_vendor", "cef.device_product", "cef.device_version",
      "cef.signature_id", "cef.name",          "cef.severity"};
  for (size_t i = 0; i < 7; ++i)
    if (i == 0 || i == 6) parse::putNumberOrString(out, kNames[i], header[i]);
    else parse::putString(out, kNames[i], header[i]);
  out.app = header[2];
  std::string ext_msg;

  std::string_view ext = s.substr(pos);
  size_t p = 0;
  while (p < ext.size() && ext[p] == ' ') ++p;
  std::string value;
  while (p < ext.size()) {
    size_t klen = keyAt(ext, p);
    if (klen == 0) {
      out.fields["cef.unparsed"] = std::string(ext.substr(p));
      break;
    }
    std::string_view key = ext.substr(p, klen);
    size_t vstart = p + klen + 1, v = vstart, next = ext.size();
    for (; v < ext.size(); ++v)
      if (ext[v] == ' ' && keyAt(ext, v + 1) > 0) {
        next = v + 1;
        break;
      }
    size_t vend = v < ext.size() ? v : ext.size();
    while (vend > vstart && ext[vend - 1] == ' ') --vend;
    unescapeValue(ext.substr(vstart, vend - vstart), value);
    putExtension(out, key, value, ext_msg);
    p = next;
  }
  out.message = ext_msg.empty() ? header[5] : ext_msg;
}

}  // namespace hinomi::collector
