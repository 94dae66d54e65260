#include "correlator/enrich/tenant_calendar.h"

#include <algorithm>
#include <array>
#include <string>

#include "common/config/schema.h"
#include "correlator/enrich/policy_yaml.h"

namespace hinomi::correlator {
namespace {

using config::Diagnostics;
using config::describeNode;

const std::array<const char*, 7> kDayNames = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct LocalTime {
  int64_t day;  // days since 1970-01-01, local
  int weekday;  // 0 Monday … 6 Sunday
  int minute;   // since local midnight
};

LocalTime localTime(int64_t ts_us, int offset_min) {
  int64_t secs = floorDiv(ts_us, 1000000) + int64_t(offset_min) * 60;
  int64_t day = floorDiv(secs, 86400);
  int minute = int((secs - day * 86400) / 60);
  int weekday = int(((day % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday (3)
  return {day, weekday, minute};
}

bool within(const WeeklyWindow& w, const LocalTime& t) {
  return (w.days >> t.weekday & 1) && t.minute >= w.from_min && t.minute < w.to_min;
}

// "+09:00", "-05:30", "Z" or "UTC" as minutes east of UTC.
std::optional<int> utcOffset(const std::string& s) {
  if (s == "Z" || s == "UTC") return 0;
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  auto m = policy_yaml::clockMinutes(s.substr(1));
  if (!m || *m > 14 * 60) return std::nullopt;
  return s[0] == '-' ? -*m : *m;
}

// days: [mon, tue, …] (or "mon-fri", "every day") as a bit set; 0 after an error.
uint8_t readDays(const YAML::Node& n, Diagnostics& d, const std::string& what) {
  if (n && n.IsScalar() && (n.Scalar() == "every day" || n.Scalar() == "daily")) return 0x7f;
  if (n && n.IsScalar() && n.Scalar() == "mon-fri") return 0x1f;
  if (!n || !n.IsSequence() || n.size() == 0) {
    d.error(n, what + ".days: expected a list of days (mon, tue, wed, thu, fri, sat, sun), 'mon-fri' or 'every day', got " +
                   describeNode(n));
    return 0;
  }
  uint8_t days = 0;
  for (const auto& item : n) {
    std::string name = item.IsScalar() ? item.Scalar() : "";
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    auto at = std::find(kDayNames.begin(), kDayNames.end(), name.substr(0, 3));
    if (name.size() < 3 || at == kDayNames.end()) {
      d.error(item, what + ".days: '" + (item.IsScalar() ? item.Scalar() : describeNode(item)) +
                        "' is not a day (mon, tue, wed, thu, fri, sat, sun)");
      continue;
    }
    days |= uint8_t(1u << (at - kDayNames.begin()));
  }
  return days;
}

// from/to "HH:MM" with from < to; false after an error.
bool readClockRange(const YAML::Node& n, Diagnostics& d, const std::string& what, WeeklyWindow& w) {
  std::string from, to;
  bool ok = policy_yaml::text(n, "from", d, what, from) & policy_yaml::text(n, "to", d, what, to);
  if (!ok) return false;
  auto f = policy_yaml::clockMinutes(from);
  auto t = policy_yaml::clockMinutes(to);
  if (!f) d.error(n["from"], what + ".from: '" + from + "' is not a time of day (HH:MM)");
  if (!t) d.error(n["to"], what + ".to: '" + to + "' is not a time of day (HH:MM)");
  if (!f || !t) return false;
  if (*f >= *t) {
    d.error(n["to"], what + ": 'to' (" + to + ") must be later than 'from' (" + from +
                         "); a window past midnight is two entries");
    return false;
  }
  w.from_min = *f;
  w.to_min = *t;
  return true;
}

// "YYYY-MM-DD HH:MM" (or with 'T') in the tenant's local time, as seconds since epoch UTC.
std::optional<int64_t> localDateTime(const std::string& s, int offset_min) {
  if (s.size() != 16 || (s[10] != ' ' && s[10] != 'T')) return std::nullopt;
  auto day = policy_yaml::calendarDay(s.substr(0, 10));
  auto minute = policy_yaml::clockMinutes(s.substr(11));
  if (!day || !minute) return std::nullopt;
  return *day * 86400 + int64_t(*minute - offset_min) * 60;
}

}  // namespace

bool TenantCalendar::inBusinessHours(int64_t ts_us) const {
  LocalTime t = localTime(ts_us, utc_offset_min);
  if (!within(business, t)) return false;
  return !std::binary_search(holidays.begin(), holidays.end(), t.day);
}

bool TenantCalendar::inChangeWindow(int64_t ts_us) const {
  LocalTime t = localTime(ts_us, utc_offset_min);
  for (const auto& w : weekly_changes)
    if (within(w, t)) return true;
  int64_t secs = floorDiv(ts_us, 1000000);
  for (const auto& [start, end] : dated_changes)
    if (secs >= start && secs < end) return true;
  return false;
}

TenantCalendar readCalendar(const YAML::Node& root, Diagnostics& d) {
  TenantCalendar cal;
  if (const YAML::Node tz = root["timezone"]) {
    auto off = tz.IsScalar() ? utcOffset(tz.Scalar()) : std::nullopt;
    if (!off) d.error(tz, "timezone: expected a UTC offset like \"+09:00\", got " + describeNode(tz));
    else cal.utc_offset_min = *off;
  }

  if (const YAML::Node bh = root["business_hours"]) {
    const std::string what = "business_hours";
    if (!bh.IsMap()) {
      d.error(bh, what + ": expected a mapping with days, from and to, got " + describeNode(bh));
    } else {
      policy_yaml::checkKeys(bh, {"days", "from", "to", "holidays"}, d, what);
      cal.business.days = readDays(bh["days"], d, what);
      cal.has_business_hours = readClockRange(bh, d, what, cal.business) && cal.business.days != 0;
      if (const YAML::Node hol = bh["holidays"]) {
        if (!hol.IsSequence()) {
          d.error(hol, what + ".holidays: expected a list of dates (YYYY-MM-DD), got " + describeNode(hol));
        } else {
          for (const auto& h : hol) {
            auto day = h.IsScalar() ? policy_yaml::calendarDay(h.Scalar()) : std::nullopt;
            if (!day) d.error(h, what + ".holidays: " + describeNode(h) + " is not a date (YYYY-MM-DD)");
            else cal.holidays.push_back(*day);
          }
          std::sort(cal.holidays.begin(), cal.holidays.end());
        }
      }
    }
  }

  if (const YAML::Node cw = root["change_windows"]) {
    if (!cw.IsSequence()) {
      d.error(cw, "change_windows: expected a list (empty: no time is a change window), got " + describeNode(cw));
      return cal;
    }
    cal.has_change_windows = true;
    for (size_t i = 0; i < cw.size(); ++i) {
      const YAML::Node w = cw[i];
      const std::string what = "change_windows[" + std::to_string(i) + "]";
      if (!w.IsMap()) {
        d.error(w, what + ": expected {days, from, to} or {start, end}, got " + describeNode(w));
        continue;
      }
      policy_yaml::checkKeys(w, {"days", "from", "to", "start", "end", "note"}, d, what);
      if (w["start"] || w["end"]) {
        if (w["days"] || w["from"] || w["to"]) {
          d.error(w, what + ": a window is either weekly (days, from, to) or dated (start, end), not both");
          continue;
        }
        std::string start, end;
        if (!(policy_yaml::text(w, "start", d, what, start) & policy_yaml::text(w, "end", d, what, end))) continue;
        auto s = localDateTime(start, cal.utc_offset_min);
        auto e = localDateTime(end, cal.utc_offset_min);
        if (!s) d.error(w["start"], what + ".start: '" + start + "' is not a local date and time (YYYY-MM-DD HH:MM)");
        if (!e) d.error(w["end"], what + ".end: '" + end + "' is not a local date and time (YYYY-MM-DD HH:MM)");
        if (s && e && *s >= *e) d.error(w["end"], what + ": 'end' must be later than 'start'");
        if (s && e && *s < *e) cal.dated_changes.emplace_back(*s, *e);
      } else {
        WeeklyWindow ww;
        ww.days = readDays(w["days"], d, what);
        if (readClockRange(w, d, what, ww) && ww.days != 0) cal.weekly_changes.push_back(ww);
      }
    }
  }
  return cal;
}

}  // namespace hinomi::correlator
