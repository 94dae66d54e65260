#include "collector/parsers/parse_util.h"

#include "common/time.h"

namespace hinomi::collector::parse {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool twoDigits(std::string_view s, size_t pos, int& out) {
  if (pos + 2 > s.size() || !isDigit(s[pos]) || !isDigit(s[pos + 1])) return false;
  out = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  return true;
}

}  // namespace

void resetEvent(std::string_view bytes, Event& out) {
  out.ts_us = 0;
  out.host.clear();
  out.app.clear();
  out.facility = -1;
  out.severity = -1;
  out.message.clear();
  out.raw.assign(bytes.data(), bytes.size());
  out.parse_status = "ok";
  out.fields.clear();  // keeps the slots and their buffers across messages
}

size_t parsePri(std::string_view s, int& pri, bool* out_of_range) {
  if (out_of_range) *out_of_range = false;
  if (s.size() < 3 || s[0] != '<') return 0;
  size_t i = 1;
  int v = 0;
  while (i < s.size() && i <= 4 && isDigit(s[i])) v = v * 10 + (s[i++] - '0');
  if (i == 1 || i > 4 || i >= s.size() || s[i] != '>') return 0;
  if (v > 191) {
    if (out_of_range) *out_of_range = true;
    return 0;
  }
  pri = v;
  return i + 1;
}

void setPri(Event& out, int pri) {
  out.facility = pri / 8;
  out.severity = pri % 8;
}

std::string_view trimLineEnd(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

bool parseUint(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (!isDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool validCivil(const CivilTime& t) {
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (t.year < 1 || t.year > 9999 || t.month < 1 || t.month > 12 || t.day < 1) return false;
  if (t.day > kDays[t.month - 1]) return false;
  bool leap = (t.year % 4 == 0 && t.year % 100 != 0) || t.year % 400 == 0;
  if (t.month == 2 && t.day == 29 && !leap) return false;
  return t.hour <= 23 && t.minute <= 59 && t.second <= 60;
}

int64_t civilToMicros(const CivilTime& t, int64_t offset_secs) {
  int sec = t.second == 60 ? 59 : t.second;
  int64_t secs = daysFromCivil(t.year, unsigned(t.month), unsigned(t.day)) * 86400 +
                 t.hour * 3600 + t.minute * 60 + sec - offset_secs;
  return secs * 1000000 + t.micros;
}

size_t parseIsoLocal(std::string_view s, CivilTime& t) {
  int y1, y2;
  if (!twoDigits(s, 0, y1) || !twoDigits(s, 2, y2) || s.size() < 19 || s[4] != '-' ||
      !twoDigits(s, 5, t.month) || s[7] != '-' || !twoDigits(s, 8, t.day) ||
      (s[10] != 'T' && s[10] != ' ') || !twoDigits(s, 11, t.hour) || s[13] != ':' ||
      !twoDigits(s, 14, t.minute) || s[16] != ':' || !twoDigits(s, 17, t.second))
    return 0;
  t.year = y1 * 100 + y2;
  size_t pos = 19;
  t.micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    int64_t scale = 100000;
    while (pos < s.size() && isDigit(s[pos])) {
      if (scale > 0) t.micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return 0;
  }
  return validCivil(t) ? pos : 0;
}

int monthFromName(std::string_view s) {
  static const char* kNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  if (s.size() < 3) return 0;
  char a = char(s[0] | 0x20), b = char(s[1] | 0x20), c = char(s[2] | 0x20);
  for (int m = 0; m < 12; ++m)
    if (kNames[m][0] == a && kNames[m][1] == b && kNames[m][2] == c) return m + 1;
  return 0;
}

int inferYear(const CivilTime& t, int64_t offset_secs, int64_t ref_us) {
  CivilTime probe = t;
  // The reference's own year, from its UTC date shifted by the offset.
  int64_t local_days = (ref_us / 1000000 + offset_secs) / 86400;
  int ref_year = 1970 + int(local_days / 366);
  while (daysFromCivil(ref_year + 1, 1, 1) <= local_days) ++ref_year;
  int best = ref_year;
  int64_t best_diff = INT64_MAX;
  for (int y = ref_year - 1; y <= ref_year + 1; ++y) {
    probe.year = y;
    if (!validCivil(probe)) continue;  // Feb 29 outside a leap year
    int64_t d = civilToMicros(probe, offset_secs) - ref_us;
    if (d < 0) d = -d;
    if (d < best_diff) {
      best_diff = d;
      best = y;
    }
  }
  return best;
}

void putString(Event& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  out.fields[key].assignString(value);
}

void putNumberOrString(Event& out, std::string_view key, std::string_view value) {
  int64_t n;
  if (parseUint(value, n) && (value.size() == 1 || value[0] != '0'))
    out.fields[key] = n;
  else
    putString(out, key, value);
}

}  // namespace hinomi::collector::parse
