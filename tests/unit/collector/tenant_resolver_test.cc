#include "collector/tenant_resolver.h"

#include <gtest/gtest.h>

namespace hinomi::collector {
namespace {

TEST(TenantResolverTest, LongestPrefixWinsElseFallback) {
  TenantResolver r("prefecture-soc", {{"10.0.0.0/8", "nara-pref"},
                                      {"10.10.0.0/16", "katsuragi"},
                                      {"10.10.5.0/24", "katsuragi-mynumber"},
                                      {"192.0.2.7", "kasama"},
                                      {"2001:db8:100::/40", "shunan"},
                                      {"172.16.0.0/12", "kawasaki"}});
  EXPECT_EQ(r.resolve("10.10.5.9"), "katsuragi-mynumber");
  EXPECT_EQ(r.resolve("10.10.6.9"), "katsuragi");
  EXPECT_EQ(r.resolve("10.99.0.1"), "nara-pref");
  EXPECT_EQ(r.resolve("192.0.2.7"), "kasama");
  EXPECT_EQ(r.resolve("192.0.2.8"), "prefecture-soc");
  EXPECT_EQ(r.resolve("172.31.255.255"), "kawasaki");
  EXPECT_EQ(r.resolve("172.32.0.0"), "prefecture-soc");
  EXPECT_EQ(r.resolve("2001:db8:1ff::1"), "shunan");
  EXPECT_EQ(r.resolve("2001:db8:200::1"), "prefecture-soc");
  EXPECT_EQ(r.resolve("::ffff:10.10.5.1"), "katsuragi-mynumber");  // IPv4-mapped
  EXPECT_EQ(r.resolve("not-an-ip"), "prefecture-soc");
  EXPECT_EQ(r.resolve(""), "prefecture-soc");
}

TEST(TenantResolverTest, FixedTenantWithoutRoutes) {
  TenantResolver r("toyama", {});
  EXPECT_EQ(r.resolve("203.0.113.1"), "toyama");
}

}  // namespace
}  // namespace hinomi::collector
