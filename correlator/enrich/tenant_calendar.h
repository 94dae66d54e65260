#pragma once
// A tenant's calendar (docs/policy.md, "Calendar"): its local time, business hours and the change
// windows in which configuration work is approved. Rules read the verdict for an event's time as
// tenant.business_hours and tenant.change_window, so "an admin change at 23:00 on a Sunday" is one
// rule for every tenant, each judged by its own hours.

#include <cstdint>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config/diagnostics.h"

namespace hinomi::correlator {

// Minutes [from, to) of the days in `days` (bit 0 Monday … bit 6 Sunday), local time.
struct WeeklyWindow {
  uint8_t days = 0;
  int from_min = 0;
  int to_min = 0;
};

struct TenantCalendar {
  int utc_offset_min = 9 * 60;  // Japan has no daylight saving time: a fixed offset is exact
  bool has_business_hours = false;
  WeeklyWindow business;
  std::vector<int64_t> holidays;  // local days since 1970-01-01, sorted: no business hours
  bool has_change_windows = false;  // present in the file, possibly empty (then no time is one)
  std::vector<WeeklyWindow> weekly_changes;
  std::vector<std::pair<int64_t, int64_t>> dated_changes;  // [start, end) in seconds since epoch UTC

  bool inBusinessHours(int64_t ts_us) const;
  bool inChangeWindow(int64_t ts_us) const;
};

// Reads timezone, business_hours and change_windows of a policy file's root; errors into `d`.
TenantCalendar readCalendar(const YAML::Node& root, config::Diagnostics& d);

}  // namespace hinomi::correlator
