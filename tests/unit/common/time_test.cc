#include "common/time.h"

#include <gtest/gtest.h>

namespace hinomi {
namespace {

TEST(TimeTest, FormatsUtcWithSixFractionDigits) {
  EXPECT_EQ(formatRfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(formatRfc3339(1795403532123456), "2026-11-23T03:12:12.123456Z");
  EXPECT_EQ(formatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(formatRfc3339(951782400000000), "2000-02-29T00:00:00.000000Z");
}

TEST(TimeTest, ParsesOffsetsAndFractions) {
  EXPECT_EQ(parseRfc3339("2026-11-23T03:12:12.123456Z").value(), 1795403532123456);
  EXPECT_EQ(parseRfc3339("2026-11-23T12:12:12.123456+09:00").value(), 1795403532123456);
  EXPECT_EQ(parseRfc3339("2026-11-23T03:12:12Z").value(), 1795403532000000);
  EXPECT_EQ(parseRfc3339("2026-11-23T03:12:12.1Z").value(), 1795403532100000);
  // Nanoseconds are truncated to microseconds.
  EXPECT_EQ(parseRfc3339("2026-11-23T03:12:12.123456789Z").value(), 1795403532123456);
  EXPECT_EQ(parseRfc3339("2026-11-22T22:12:12-0500").value(), 1795403532000000);
  EXPECT_EQ(parseRfc3339("2026-11-23 03:12:12Z").value(), 1795403532000000);
}

TEST(TimeTest, RoundTrips) {
  for (int64_t us : {int64_t(0), int64_t(1795403532123456), int64_t(4102444799999999), int64_t(-86400000001)})
    EXPECT_EQ(parseRfc3339(formatRfc3339(us)).value(), us);
}

TEST(TimeTest, RejectsWhatIsNotATime) {
  for (const char* bad : {"", "2026-11-23", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-23T24:00:00Z", "2026-11-23T03:12:12", "2026-11-23T03:12:12.Z",
                          "2026-11-23T03:12:12Zjunk", "2026-11-23T03:12:12+9:00",
                          "9999-12-31T23:59:59-01:00", "0000-01-01T00:00:00+01:00"}) {
    auto r = parseRfc3339(bad);
    EXPECT_FALSE(r.has_value()) << bad;
    if (!r) {
      EXPECT_NE(r.error().message.find("bad RFC 3339"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace hinomi
