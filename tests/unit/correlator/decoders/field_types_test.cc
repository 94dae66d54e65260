#include "correlator/decoders/field_types.h"

#include <gtest/gtest.h>

namespace hinomi::correlator {
namespace {

TEST(NormalizeIpTest, Ipv4StaysDottedQuad) {
  EXPECT_EQ(normalizeIp("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(normalizeIp("0.0.0.0"), "0.0.0.0");
}

TEST(NormalizeIpTest, Ipv4MappedIpv6BecomesIpv4) {
  EXPECT_EQ(normalizeIp("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(normalizeIp("::FFFF:c000:0201"), "192.0.2.1");
  EXPECT_EQ(normalizeIp("[::ffff:10.0.0.7]"), "10.0.0.7");
}

TEST(NormalizeIpTest, Ipv6IsCompressedLowercase) {
  EXPECT_EQ(normalizeIp("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  EXPECT_EQ(normalizeIp("2001:0db8:0000:0000:0001:0000:0000:0001"), "2001:db8::1:0:0:1");
  EXPECT_EQ(normalizeIp("::1"), "::1");
  EXPECT_EQ(normalizeIp("[2001:db8::a]"), "2001:db8::a");
  EXPECT_EQ(normalizeIp("FE80::1%eth0"), "fe80::1%eth0");
}

TEST(NormalizeIpTest, NonAddressesAreRefused) {
  for (const char* s : {"", "localhost", "1.2.3", "256.1.1.1", "1.2.3.4.5", "01.2.3.4", "2001:db8:::1",
                        "::ffff:1.2.3.4%eth0", "1.2.3.4 ", "[]"})
    EXPECT_EQ(normalizeIp(s), std::nullopt) << s;
}

TEST(NormalizeTimestampTest, Rfc3339AndEpochs) {
  EXPECT_EQ(normalizeTimestamp("2025-04-01T09:17:30.512345+0900"), "2025-04-01T00:17:30.512345Z");
  EXPECT_EQ(normalizeTimestamp("2025-04-01T00:00:00Z"), "2025-04-01T00:00:00.000000Z");
  EXPECT_EQ(normalizeTimestamp("1743466502"), "2025-04-01T00:15:02.000000Z");
  EXPECT_EQ(normalizeTimestamp("1743466502123"), "2025-04-01T00:15:02.123000Z");
  EXPECT_EQ(normalizeTimestamp("1743466502123456789"), "2025-04-01T00:15:02.123456Z");
  EXPECT_EQ(normalizeTimestamp("yesterday"), std::nullopt);
}

// The shortcut for addresses already normal agrees with normalizeIp on every case it accepts.
TEST(NormalizeIpTest, NormalIpv4ShortcutAgreesWithTheParser) {
  for (const char* ok : {"0.0.0.0", "10.20.1.15", "255.255.255.255", "192.0.2.1"}) {
    EXPECT_TRUE(isNormalIpv4(ok)) << ok;
    EXPECT_EQ(normalizeIp(ok), std::string(ok));
  }
  for (const char* no : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4.", ".1.2.3", "1..2.3",
                         "1.2.3.4 ", "1234.1.1.1", "::ffff:1.2.3.4", "a.b.c.d", "1.2.3.04"})
    EXPECT_FALSE(isNormalIpv4(no)) << no;
}

TEST(ConvertFieldTest, InPlaceConvertsOrLeavesTheValueAsItWas) {
  FieldValue port("22");
  EXPECT_TRUE(convertInPlace(port, FieldType::kInt));
  EXPECT_EQ(port, FieldValue(22));
  FieldValue mapped("::ffff:192.0.2.1");
  EXPECT_TRUE(convertInPlace(mapped, FieldType::kIp));
  EXPECT_EQ(mapped, FieldValue("192.0.2.1"));
  FieldValue normal("192.0.2.1");
  EXPECT_TRUE(convertInPlace(normal, FieldType::kIp));
  EXPECT_EQ(normal, FieldValue("192.0.2.1"));
  FieldValue bad("2x");
  EXPECT_FALSE(convertInPlace(bad, FieldType::kInt));
  EXPECT_EQ(bad, FieldValue("2x"));
  FieldValue number(7);
  EXPECT_TRUE(convertInPlace(number, FieldType::kString));
  EXPECT_EQ(number, FieldValue("7"));
}

TEST(ConvertFieldTest, IntegersAndFailures) {
  EXPECT_EQ(convertField(FieldValue("52144"), FieldType::kInt), FieldValue(52144));
  EXPECT_EQ(convertField(FieldValue(7), FieldType::kInt), FieldValue(7));
  EXPECT_EQ(convertField(FieldValue("-3"), FieldType::kInt), FieldValue(-3));
  EXPECT_EQ(convertField(FieldValue("80x"), FieldType::kInt), std::nullopt);
  EXPECT_EQ(convertField(FieldValue(""), FieldType::kInt), std::nullopt);
  EXPECT_EQ(convertField(FieldValue("::ffff:192.0.2.1"), FieldType::kIp), FieldValue("192.0.2.1"));
  EXPECT_EQ(convertField(FieldValue("host.example"), FieldType::kIp), std::nullopt);
  EXPECT_EQ(fieldTypeFromName("ip"), FieldType::kIp);
  EXPECT_EQ(fieldTypeFromName("ipv4"), std::nullopt);
}

}  // namespace
}  // namespace hinomi::correlator
