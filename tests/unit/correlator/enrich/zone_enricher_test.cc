// Zone enrichment of events: which fields are set, when, and that enrichment owns them.
#include "correlator/enrich/zone_enricher.h"

#include <gtest/gtest.h>

namespace hinomi::correlator {
namespace {

using json = nlohmann::json;

TenantPolicies policies() {
  TenantPolicyLoader loader;
  loader.addText(
      "tenant: katsuragi\nmodel: three-tier\nzones:\n"
      "  - {name: mynumber, cidrs: [10.10.0.0/16]}\n"
      "  - {name: lgwan, cidrs: [10.20.0.0/16]}\n"
      "  - {name: internet, cidrs: [10.30.0.0/16, '2001:db8:30::/48']}\n"
      "flows:\n"
      "  - {from: lgwan, to: internet, via: [10.20.5.10]}\n"
      "  - {from: internet, to: lgwan}\n",
      "katsuragi.yaml");
  loader.addText("tenant: default\nmodel: none\n", "default.yaml");
  auto l = std::move(loader).finish();
  EXPECT_TRUE(l.ok()) << l.errorText();
  return std::move(l.policies);
}

Event event(const std::string& tenant, json fields) {
  Event e;
  e.tenant = tenant;
  e.fields = Fields::fromJson(fields);
  return e;
}

TEST(ZoneEnricherTest, BothZonesKnownSetsZonesAndVerdict) {
  auto p = policies();
  Event e = event("katsuragi", {{"source.ip", "10.20.5.11"}, {"destination.ip", "10.30.0.1"}});
  enrichZones(p, e);
  EXPECT_EQ(e.fields["source.zone"], "lgwan");
  EXPECT_EQ(e.fields["destination.zone"], "internet");
  EXPECT_EQ(e.fields["flow.allowed"], false);

  Event via = event("katsuragi", {{"source.ip", "10.20.5.10"}, {"destination.ip", "10.30.0.1"}});
  enrichZones(p, via);
  EXPECT_EQ(via.fields["flow.allowed"], true);

  Event back = event("katsuragi", {{"source.ip", "2001:db8:30::9"}, {"destination.ip", "::ffff:10.20.1.1"}});
  enrichZones(p, back);
  EXPECT_EQ(back.fields["source.zone"], "internet");
  EXPECT_EQ(back.fields["destination.zone"], "lgwan");
  EXPECT_EQ(back.fields["flow.allowed"], true);

  Event same = event("katsuragi", {{"source.ip", "10.10.1.1"}, {"destination.ip", "10.10.9.9"}});
  enrichZones(p, same);
  EXPECT_EQ(same.fields["flow.allowed"], true);
}

TEST(ZoneEnricherTest, OneUnknownEndGetsItsZoneButNoVerdict) {
  auto p = policies();
  Event e = event("katsuragi", {{"source.ip", "10.10.1.23"}, {"destination.ip", "172.16.5.9"}});
  enrichZones(p, e);
  EXPECT_EQ(e.fields["source.zone"], "mynumber");
  EXPECT_FALSE(e.fields.contains("destination.zone"));
  EXPECT_FALSE(e.fields.contains("flow.allowed"));

  Event only_dst = event("katsuragi", {{"destination.ip", "10.30.1.1"}, {"source.ip", 42}});
  enrichZones(p, only_dst);
  EXPECT_FALSE(only_dst.fields.contains("source.zone"));
  EXPECT_EQ(only_dst.fields["destination.zone"], "internet");
  EXPECT_FALSE(only_dst.fields.contains("flow.allowed"));
}

TEST(ZoneEnricherTest, TenantWithoutPolicyOrModelNoneIsLeftAlone) {
  auto p = policies();
  json fields = {{"source.ip", "10.20.5.11"}, {"destination.ip", "10.30.0.1"}, {"source.zone", "from-upstream"}};
  for (const char* tenant : {"default", "kasama", ""}) {
    Event e = event(tenant, fields);
    enrichZones(p, e);
    EXPECT_EQ(e.fields, fields) << tenant;
  }
  Event none = event("katsuragi", fields);
  enrichZones(TenantPolicies{}, none);
  EXPECT_EQ(none.fields, fields);
}

TEST(ZoneEnricherTest, EnrichmentOwnsItsFields) {
  auto p = policies();
  Event e = event("katsuragi", {{"source.ip", "10.10.1.1"},
                                {"destination.ip", "198.51.100.1"},
                                {"source.zone", "spoofed"},
                                {"destination.zone", "spoofed"},
                                {"flow.allowed", true}});
  enrichZones(p, e);
  EXPECT_EQ(e.fields["source.zone"], "mynumber");
  EXPECT_FALSE(e.fields.contains("destination.zone"));
  EXPECT_FALSE(e.fields.contains("flow.allowed"));
  EXPECT_EQ(e.fields["destination.ip"], "198.51.100.1");
}

}  // namespace
}  // namespace hinomi::correlator
