#include "collector/parsers/rfc3164_parser.h"

#include "collector/parsers/parse_util.h"
#include "common/time.h"

namespace hinomi::collector {
namespace {

using parse::CivilTime;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool twoDigits(std::string_view s, size_t pos, int& out) {
  if (pos + 2 > s.size() || !isDigit(s[pos]) || !isDigit(s[pos + 1])) return false;
  out = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  return true;
}

// "hh:mm:ss[.fff]" at s[pos]; advances pos.
bool timeOfDay(std::string_view s, size_t& pos, CivilTime& t) {
  if (!twoDigits(s, pos, t.hour) || pos + 8 > s.size() || s[pos + 2] != ':' ||
      !twoDigits(s, pos + 3, t.minute) || s[pos + 5] != ':' || !twoDigits(s, pos + 6, t.second))
    return false;
  pos += 8;
  t.micros = 0;
  if (pos + 1 < s.size() && s[pos] == '.' && isDigit(s[pos + 1])) {
    ++pos;
    int64_t scale = 100000;
    while (pos < s.size() && isDigit(s[pos])) {
      if (scale > 0) t.micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  return true;
}

bool fourDigitYear(std::string_view s, size_t pos, int& year) {
  int a, b;
  if (!twoDigits(s, pos, a) || !twoDigits(s, pos + 2, b)) return false;
  if (pos + 4 < s.size() && s[pos + 4] != ' ') return false;
  year = a * 100 + b;
  return true;
}

// A BSD stamp at s[pos]: "Mmm dd [yyyy ]hh:mm:ss[.fff][ yyyy][ ZONE][:]". On success advances
// pos past it and sets ts; zone words UTC/GMT/Z are UTC, others local.
bool bsdTimestamp(std::string_view s, size_t& pos, const ParseContext& ctx, int64_t& ts) {
  size_t p = pos;
  CivilTime t;
  t.month = parse::monthFromName(s.substr(p, 3));
  if (t.month == 0 || p + 4 > s.size() || s[p + 3] != ' ') return false;
  p += 4;
  if (p < s.size() && s[p] == ' ') ++p;  // "Apr  1"
  if (p < s.size() && isDigit(s[p]) && p + 1 < s.size() && isDigit(s[p + 1])) {
    t.day = (s[p] - '0') * 10 + (s[p + 1] - '0');
    p += 2;
  } else if (p < s.size() && isDigit(s[p])) {
    t.day = s[p] - '0';
    ++p;
  } else {
    return false;
  }
  if (p >= s.size() || s[p] != ' ') return false;
  ++p;
  int year = 0;
  if (fourDigitYear(s, p, year)) p += 5;  // Cisco ASA: "Apr 01 2025 09:15:02"
  if (!timeOfDay(s, p, t)) return false;
  if (year == 0 && p + 5 <= s.size() && s[p] == ' ' && fourDigitYear(s, p + 1, year)) p += 5;
  int64_t offset = ctx.local_utc_offset_secs;
  // Zone word (Cisco "JST:", "UTC"): uppercase letters directly followed by ':' or SP.
  if (p + 1 < s.size() && s[p] == ' ' && s[p + 1] >= 'A' && s[p + 1] <= 'Z') {
    size_t q = p + 1;
    while (q < s.size() && q - p <= 5 && s[q] >= 'A' && s[q] <= 'Z') ++q;
    std::string_view zone = s.substr(p + 1, q - p - 1);
    if (zone.size() >= 3 && zone.size() <= 4 && q < s.size() && s[q] == ':') {
      if (zone == "UTC" || zone == "GMT") offset = 0;
      else if (zone == "JST") offset = 9 * 3600;
      p = q;
    }
  }
  if (p < s.size() && s[p] == ':') ++p;  // "09:15:02: %ASA-…"
  if (p < s.size() && s[p] != ' ') return false;
  t.year = year != 0 ? year : parse::inferYear(t, offset, ctx.ingest_ts_us);
  if (!parse::validCivil(t)) return false;
  ts = parse::civilToMicros(t, offset);
  pos = p;
  return true;
}

// ISO stamp in the 3164 slot: with a zone (RFC 3339) or without (local).
bool isoTimestamp(std::string_view s, size_t& pos, const ParseContext& ctx, int64_t& ts) {
  size_t end = s.find(' ', pos);
  if (end == std::string_view::npos) end = s.size();
  std::string_view tok = s.substr(pos, end - pos);
  if (tok.size() > 40 || tok.size() < 19) return false;
  CivilTime t;
  size_t n = parse::parseIsoLocal(tok, t);
  if (n == 0) return false;
  if (n == tok.size()) {
    ts = parse::civilToMicros(t, ctx.local_utc_offset_secs);
  } else {
    auto r = parseRfc3339(tok);
    if (!r) return false;
    ts = *r;
  }
  pos = end;
  return true;
}

size_t tokenEnd(std::string_view s, size_t pos) {
  size_t e = s.find(' ', pos);
  return e == std::string_view::npos ? s.size() : e;
}

// Candidate HOSTNAME: not a tag (no '[', '%', '=', no trailing ':'), "host:port" gives host.
bool hostToken(std::string_view tok, std::string_view& host) {
  if (tok.empty() || tok.size() > 255 || tok.back() == ':') return false;
  for (char c : tok)
    if (c == '[' || c == '%' || c == '=' || c == '"' || static_cast<unsigned char>(c) < 33 ||
        static_cast<unsigned char>(c) > 126)
      return false;
  size_t colon = tok.find(':');
  if (colon != std::string_view::npos && tok.find(':', colon + 1) == std::string_view::npos) {
    int64_t port;
    if (!parse::parseUint(tok.substr(colon + 1), port)) return false;
    tok = tok.substr(0, colon);
  }
  host = tok;
  return true;
}

// TAG "prog[pid]:", "prog:", or (when allowed) "prog" with no colon. Returns false when the
// token is not a tag; sets app and pid view.
bool tagToken(std::string_view tok, bool allow_bare, std::string_view& app, std::string_view& pid) {
  if (tok.empty() || tok.size() > 64) return false;
  bool colon = tok.back() == ':';
  if (colon) tok.remove_suffix(1);
  if (tok.empty()) return false;
  if (tok.back() == ']') {
    size_t open = tok.rfind('[');
    if (open == std::string_view::npos || open == 0) return false;
    pid = tok.substr(open + 1, tok.size() - open - 2);
    tok = tok.substr(0, open);
  } else if (!colon && !allow_bare) {
    return false;
  }
  for (char c : tok)
    if (c == '[' || c == ']' || c == '=' || c == '"' || c == ':' ||
        static_cast<unsigned char>(c) < 33 || static_cast<unsigned char>(c) > 126)
      return false;
  if (!colon && pid.empty()) {
    // A bare word is a program name only if it looks like one ("fw", "snmpd"), not data.
    if (!((tok[0] >= 'a' && tok[0] <= 'z') || (tok[0] >= 'A' && tok[0] <= 'Z'))) return false;
    for (char c : tok)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '_' || c == '.' || c == '/'))
        return false;
  }
  app = tok;
  return true;
}

}  // namespace

void Rfc3164Parser::parse(std::string_view bytes, const ParseContext& ctx, Event& out) const {
  parse::resetEvent(bytes, out);
  out.ts_us = ctx.ingest_ts_us;
  std::string_view s = parse::trimLineEnd(bytes);
  int pri = 13;  // no PRI: user.notice, as rsyslog and syslog-ng assume
  size_t pos = parse::parsePri(s, pri);
  parse::setPri(out, pri);
  if (pos < s.size() && s[pos] == ' ') ++pos;  // Yamaha RTX: "<13> [INSPECT] …"

  // Cisco IOS sequence number "16261: ".
  size_t d = pos;
  while (d < s.size() && d - pos < 12 && isDigit(s[d])) ++d;
  if (d > pos && d < s.size() && s[d] == ':' && (d + 1 == s.size() || s[d + 1] == ' ')) {
    int64_t seq;
    if (parse::parseUint(s.substr(pos, d - pos), seq)) out.fields["syslog.sequence"] = seq;
    pos = d + 1;
    while (pos < s.size() && s[pos] == ' ') ++pos;
  }

  // Timestamp, after an optional Cisco clock marker; "origin-id: " before it is the host.
  std::string_view host;
  bool have_ts = false;
  const size_t before_ts = pos;
  for (int attempt = 0; attempt < 2 && !have_ts; ++attempt) {
    size_t p = pos;
    if (p < s.size() && (s[p] == '*' || s[p] == '.')) ++p;
    int64_t ts = 0;
    if (bsdTimestamp(s, p, ctx, ts) || (p < s.size() && isDigit(s[p]) && isoTimestamp(s, p, ctx, ts))) {
      out.ts_us = ts;
      have_ts = true;
      pos = p;
    } else if (attempt == 0) {
      size_t e = tokenEnd(s, pos);
      std::string_view tok = s.substr(pos, e - pos);
      std::string_view h;
      if (tok.size() > 1 && tok.back() == ':' && hostToken(tok.substr(0, tok.size() - 1), h) &&
          e < s.size()) {
        host = h;  // "city-rtr01: Apr  1 …" (logging origin-id)
        pos = e + 1;
      } else {
        break;
      }
    }
  }
  if (!have_ts) {
    host = {};
    pos = before_ts;
  }
  while (pos < s.size() && s[pos] == ' ') ++pos;

  std::string_view app, pid;
  if (have_ts && host.empty()) {
    size_t e = tokenEnd(s, pos);
    std::string_view tok = s.substr(pos, e - pos);
    std::string_view a, p;
    // A token that is a tag ("chronyd[1119]:", "%ASA-…:") is not a host.
    if (e < s.size() && !tagToken(tok, false, a, p) && hostToken(tok, host)) {
      pos = e + 1;
      while (pos < s.size() && s[pos] == ' ') ++pos;
      if (pos + 1 < s.size() && s[pos] == ':' && s[pos + 1] == ' ') pos += 2;  // ASA "host : %ASA"
    }
  }
  {
    size_t e = tokenEnd(s, pos);
    // A bare word is a tag only after a real header (rsyslog's traditional forward format).
    std::string_view tok = s.substr(pos, e - pos);
    // Without a timestamp only "prog:" / "prog[pid]:" count (Yamaha's "PP[01] …" is text).
    bool tag = have_ts ? tagToken(tok, !host.empty(), app, pid)
                       : !tok.empty() && tok.back() == ':' && tagToken(tok, false, app, pid);
    if (tag) {
      pos = e < s.size() ? e + 1 : e;
    } else {
      app = {};
      pid = {};
    }
  }
  out.host = host.empty() ? ctx.peer : std::string(host);
  out.app.assign(app);
  if (!pid.empty()) {
    parse::putString(out, "syslog.procid", pid);
    int64_t n;
    if (parse::parseUint(pid, n)) out.fields["process.pid"] = n;
  }
  std::string_view msg = pos < s.size() ? s.substr(pos) : std::string_view{};
  out.message.assign(msg);
  // syslogd repeat compression: "message repeated 5 times: [ …]".
  constexpr std::string_view kRepeated = "message repeated ";
  if (msg.substr(0, kRepeated.size()) == kRepeated) {
    size_t e = msg.find(' ', kRepeated.size());
    int64_t n;
    if (e != std::string_view::npos && parse::parseUint(msg.substr(kRepeated.size(), e - kRepeated.size()), n))
      out.fields["syslog.repeat_count"] = n;
  }
}

}  // namespace hinomi::collector
