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

}  // namespace

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
    if (!out.malformed()) return;
    // Not valid 5424 after all: keep the line as best-effort 3164, noting why.
    std::string reason = out.parse_status;
    rfc3164_.parse(bytes, ctx, out);
    out.parse_status = std::move(reason);
    return;
  }
  rfc3164_.parse(bytes, ctx, out);
}

}  // namespace hinomi::collector
