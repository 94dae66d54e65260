// A tenant's calendar: business hours and change windows in the tenant's local time, holidays, and
// every mistake in the file refused with its location.
#include "correlator/enrich/tenant_calendar.h"

#include <gtest/gtest.h>

#include "common/time.h"

namespace hinomi::correlator {
namespace {

struct Loaded {
  TenantCalendar cal;
  std::string errors;
};

Loaded read(const std::string& text) {
  config::Diagnostics d("cal.yaml");
  Loaded out;
  out.cal = readCalendar(YAML::Load(text), d);
  out.errors = d.toString();
  return out;
}

int64_t at(const std::string& rfc3339) {
  auto t = parseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(0);
}

const char* kJapan =
    "business_hours:\n"
    "  days: mon-fri\n"
    "  from: '08:30'\n"
    "  to: '17:15'\n"
    "  holidays: [2026-12-31, 2027-01-01]\n"
    "change_windows:\n"
    "  - {days: [wed], from: '18:00', to: '21:00'}\n"
    "  - {start: '2026-12-12 09:00', end: '2026-12-12 17:00'}\n";

TEST(TenantCalendarTest, BusinessHoursAreJudgedInTheTenantsLocalTime) {
  auto l = read(kJapan);
  ASSERT_EQ(l.errors, "");
  ASSERT_TRUE(l.cal.has_business_hours);
  // 2026-12-07 is a Monday. 08:30 JST is 23:30 UTC the day before.
  EXPECT_FALSE(l.cal.inBusinessHours(at("2026-12-06T23:29:59Z")));
  EXPECT_TRUE(l.cal.inBusinessHours(at("2026-12-06T23:30:00Z")));
  EXPECT_TRUE(l.cal.inBusinessHours(at("2026-12-07T17:14:59+09:00")));
  EXPECT_FALSE(l.cal.inBusinessHours(at("2026-12-07T17:15:00+09:00")));
  // Saturday and Sunday, and a holiday on a Thursday.
  EXPECT_FALSE(l.cal.inBusinessHours(at("2026-12-12T10:00:00+09:00")));
  EXPECT_FALSE(l.cal.inBusinessHours(at("2026-12-13T10:00:00+09:00")));
  EXPECT_FALSE(l.cal.inBusinessHours(at("2026-12-31T10:00:00+09:00")));
  EXPECT_TRUE(l.cal.inBusinessHours(at("2026-12-30T10:00:00+09:00")));
}

TEST(TenantCalendarTest, WeeklyAndDatedChangeWindows) {
  auto l = read(kJapan);
  ASSERT_EQ(l.errors, "");
  // Wednesday 2026-12-09, 18:00-21:00 JST.
  EXPECT_FALSE(l.cal.inChangeWindow(at("2026-12-09T17:59:59+09:00")));
  EXPECT_TRUE(l.cal.inChangeWindow(at("2026-12-09T18:00:00+09:00")));
  EXPECT_TRUE(l.cal.inChangeWindow(at("2026-12-09T10:30:00Z")));  // 19:30 JST
  EXPECT_FALSE(l.cal.inChangeWindow(at("2026-12-09T21:00:00+09:00")));
  // The same hour on a Thursday is not one.
  EXPECT_FALSE(l.cal.inChangeWindow(at("2026-12-10T19:00:00+09:00")));
  // The dated window: Saturday 2026-12-12 09:00-17:00 JST only.
  EXPECT_TRUE(l.cal.inChangeWindow(at("2026-12-12T09:00:00+09:00")));
  EXPECT_TRUE(l.cal.inChangeWindow(at("2026-12-12T16:59:59+09:00")));
  EXPECT_FALSE(l.cal.inChangeWindow(at("2026-12-12T17:00:00+09:00")));
  EXPECT_FALSE(l.cal.inChangeWindow(at("2026-12-19T10:00:00+09:00")));
}

TEST(TenantCalendarTest, AnotherOffsetAndAnEmptyListOfWindows) {
  auto l = read("timezone: '-05:00'\nbusiness_hours: {days: [sat, Sunday], from: '10:00', to: '12:00'}\n"
                "change_windows: []\n");
  ASSERT_EQ(l.errors, "");
  EXPECT_TRUE(l.cal.inBusinessHours(at("2026-12-12T15:00:00Z")));   // Sat 10:00 at -05:00
  EXPECT_FALSE(l.cal.inBusinessHours(at("2026-12-12T14:59:00Z")));  // 09:59
  EXPECT_TRUE(l.cal.inBusinessHours(at("2026-12-13T16:59:00Z")));   // Sun 11:59
  EXPECT_FALSE(l.cal.inBusinessHours(at("2026-12-14T15:00:00Z")));  // Monday
  // Present but empty: known, and no time is a change window.
  EXPECT_TRUE(l.cal.has_change_windows);
  EXPECT_FALSE(l.cal.inChangeWindow(at("2026-12-12T15:00:00Z")));
}

TEST(TenantCalendarTest, NothingGivenMeansNoVerdicts) {
  auto l = read("tenant: x\n");
  EXPECT_EQ(l.errors, "");
  EXPECT_FALSE(l.cal.has_business_hours);
  EXPECT_FALSE(l.cal.has_change_windows);
}

TEST(TenantCalendarTest, MistakesAreRefusedWithTheirLocation) {
  auto l = read(
      "timezone: JST\n"
      "business_hours:\n"
      "  days: [mon, funday]\n"
      "  from: '17:15'\n"
      "  to: '08:30'\n"
      "  holidays: [2026-02-30]\n"
      "  lunch: 12:00\n"
      "change_windows:\n"
      "  - {days: [wed], from: '25:00', to: '26:00'}\n"
      "  - {start: '2026-12-12 09:00', end: '2026-12-12 08:00'}\n"
      "  - {start: 'tomorrow', end: '2026-12-12 08:00'}\n"
      "  - {days: [wed], from: '18:00', to: '19:00', start: '2026-12-12 09:00'}\n"
      "  - every friday\n");
  EXPECT_NE(l.errors.find("cal.yaml:1:11: error: timezone: expected a UTC offset"), std::string::npos) << l.errors;
  EXPECT_NE(l.errors.find("cal.yaml:3:15: error: business_hours.days: 'funday' is not a day"), std::string::npos) << l.errors;
  EXPECT_NE(l.errors.find("cal.yaml:5:7: error: business_hours: 'to' (08:30) must be later than 'from' (17:15)"), std::string::npos) << l.errors;
  EXPECT_NE(l.errors.find("cal.yaml:6:14: error: business_hours.holidays: '2026-02-30' is not a date"), std::string::npos) << l.errors;
  EXPECT_NE(l.errors.find("cal.yaml:7:3: error: business_hours: unknown key 'lunch'"), std::string::npos) << l.errors;
  EXPECT_NE(l.errors.find("cal.yaml:9:25: error: change_windows[0].from: '25:00' is not a time of day"), std::string::npos) << l.errors;
  EXPECT_NE(l.errors.find("cal.yaml:10:38: error: change_windows[1]: 'end' must be later than 'start'"), std::string::npos) << l.errors;
  EXPECT_NE(l.errors.find("cal.yaml:11:13: error: change_windows[2].start: 'tomorrow' is not a local date and time"), std::string::npos) << l.errors;
  EXPECT_NE(l.errors.find("cal.yaml:12:5: error: change_windows[3]: a window is either weekly"), std::string::npos) << l.errors;
  EXPECT_NE(l.errors.find("cal.yaml:13:5: error: change_windows[4]: expected {days, from, to} or {start, end}"), std::string::npos) << l.errors;
}

}  // namespace
}  // namespace hinomi::correlator
