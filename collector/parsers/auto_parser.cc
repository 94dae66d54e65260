#include "collector/parsers/auto_parser.h"

#include "collector/parsers/envelope.h"
#include "collector/parsers/parse_util.h"

namespace hinomi::collector {
namespace {

// "CEF:" at the start of the line or of a word within the first bytes (after a syslog header).
bool hasCef(std::string_view s) {
  size_t p = s.substr(0, 512).find("CEF:");
  return p != std::string_view::npos && (p == 0 || s[p - 1] == ' ' || s[p - 1] == '>');
}

// `<N>` directly followed by a key=value word (FortiGate's default format).
bool kvAfterPri(std::string_view s, size_t pri_len) {
  size_t p = pri_len;
  while (p < s.size() && p - pri_len < 64) {
    char c = s[p];
    if (c == '=') return p > pri_len;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
    ++p;
  }
  return false;
}

// The message (after trimming) is `{…}`: worth trying as JSON.
bool looksLikeJsonObject(std::string_view m) {
  while (!m.empty() && (m.front() == ' ' || m.front() == '\t')) m.remove_prefix(1);
  while (!m.empty() && (m.back() == ' ' || m.back() == '\t' || m.back() == '\r' || m.back() == '\n'))
    m.remove_suffix(1);
  return m.size() >= 2 && m.front() == '{' && m.back() == '}';
}

}  // namespace

// A JSON object as the syslog message (Suricata EVE, Zeek or NXLog sent over syslog) is read as the
// json format reads it, so its keys become fields; a message that only looks like JSON keeps the
// syslog reading.
void AutoParser::jsonBody(std::string_view bytes, const ParseContext& ctx, Event& out) const {
  if (out.malformed() || !looksLikeJsonObject(out.message)) return;
  Event syslog = out;  // rare (JSON-looking messages only); what the caller set stays either way
  json_.parse(bytes, ctx, out);
  if (out.malformed()) out = std::move(syslog);
}

void AutoParser::parse(std::string_view bytes, const ParseContext& ctx, Event& out) const {
  size_t lead = 0;
  while (lead < bytes.size() && lead < 16 && (bytes[lead] == ' ' || bytes[lead] == '\t')) ++lead;
  if (lead < bytes.size() && bytes[lead] == '{') return json_.parse(bytes, ctx, out);
  if (hasCef(bytes)) return cef_.parse(bytes, ctx, out);
  int pri;
  size_t pri_len = parse::parsePri(bytes, pri);
  if (pri_len > 0 && kvAfterPri(bytes, pri_len)) return kv_.parse(bytes, ctx, out);
  if (looksLikeRfc5424(bytes)) {
    rfc5424_.parse(bytes, ctx, out);
    if (!out.malformed()) return jsonBody(bytes, ctx, out);
    // Not valid 5424 after all: keep the line as best-effort 3164, noting why.
    std::string reason = out.parse_status;
    rfc3164_.parse(bytes, ctx, out);
    out.parse_status = std::move(reason);
    return;
  }
  rfc3164_.parse(bytes, ctx, out);
  jsonBody(bytes, ctx, out);
}

}  // namespace hinomi::collector
