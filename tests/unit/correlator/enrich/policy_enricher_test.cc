// Policy enrichment of events: zones of the ends and of the host, the flow verdict, the calendar
// verdicts; which fields are set, when, and that enrichment owns them.
#include "correlator/enrich/policy_enricher.h"

#include <gtest/gtest.h>

#include "common/time.h"

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
  enrichFromPolicy(p, e);
  EXPECT_EQ(e.fields["source.zone"], "lgwan");
  EXPECT_EQ(e.fields["destination.zone"], "internet");
  EXPECT_EQ(e.fields["flow.allowed"], false);

  Event via = event("katsuragi", {{"source.ip", "10.20.5.10"}, {"destination.ip", "10.30.0.1"}});
  enrichFromPolicy(p, via);
  EXPECT_EQ(via.fields["flow.allowed"], true);

  Event back = event("katsuragi", {{"source.ip", "2001:db8:30::9"}, {"destination.ip", "::ffff:10.20.1.1"}});
  enrichFromPolicy(p, back);
  EXPECT_EQ(back.fields["source.zone"], "internet");
  EXPECT_EQ(back.fields["destination.zone"], "lgwan");
  EXPECT_EQ(back.fields["flow.allowed"], true);

  Event same = event("katsuragi", {{"source.ip", "10.10.1.1"}, {"destination.ip", "10.10.9.9"}});
  enrichFromPolicy(p, same);
  EXPECT_EQ(same.fields["flow.allowed"], true);
}

TEST(ZoneEnricherTest, OneUnknownEndGetsItsZoneButNoVerdict) {
  auto p = policies();
  Event e = event("katsuragi", {{"source.ip", "10.10.1.23"}, {"destination.ip", "172.16.5.9"}});
  enrichFromPolicy(p, e);
  EXPECT_EQ(e.fields["source.zone"], "mynumber");
  EXPECT_FALSE(e.fields.contains("destination.zone"));
  EXPECT_FALSE(e.fields.contains("flow.allowed"));

  Event only_dst = event("katsuragi", {{"destination.ip", "10.30.1.1"}, {"source.ip", 42}});
  enrichFromPolicy(p, only_dst);
  EXPECT_FALSE(only_dst.fields.contains("source.zone"));
  EXPECT_EQ(only_dst.fields["destination.zone"], "internet");
  EXPECT_FALSE(only_dst.fields.contains("flow.allowed"));
}

TEST(ZoneEnricherTest, TenantWithoutPolicyOrModelNoneIsLeftAlone) {
  auto p = policies();
  json fields = {{"source.ip", "10.20.5.11"}, {"destination.ip", "10.30.0.1"}, {"source.zone", "from-upstream"}};
  for (const char* tenant : {"default", "kasama", ""}) {
    Event e = event(tenant, fields);
    enrichFromPolicy(p, e);
    EXPECT_EQ(e.fields, fields) << tenant;
  }
  Event none = event("katsuragi", fields);
  enrichFromPolicy(TenantPolicies{}, none);
  EXPECT_EQ(none.fields, fields);
}

TEST(ZoneEnricherTest, EnrichmentOwnsItsFields) {
  auto p = policies();
  Event e = event("katsuragi", {{"source.ip", "10.10.1.1"},
                                {"destination.ip", "198.51.100.1"},
                                {"source.zone", "spoofed"},
                                {"destination.zone", "spoofed"},
                                {"flow.allowed", true}});
  enrichFromPolicy(p, e);
  EXPECT_EQ(e.fields["source.zone"], "mynumber");
  EXPECT_FALSE(e.fields.contains("destination.zone"));
  EXPECT_FALSE(e.fields.contains("flow.allowed"));
  EXPECT_EQ(e.fields["destination.ip"], "198.51.100.1");
}

TenantPolicies packPolicies() {
  TenantPolicyLoader loader;
  loader.addText(
      "tenant: kasama\nmodel: two-tier\n"
      "zones:\n"
      "  - {name: sensitive, cidrs: [10.41.0.0/16], hosts: ['sec-*']}\n"
      "  - {name: internet, cidrs: [172.24.0.0/16]}\n"
      "outside_zone: external\n"
      "flows: [{from: internet, to: external}]\n"
      "business_hours: {days: mon-fri, from: '08:30', to: '17:15'}\n"
      "change_windows: [{days: [wed], from: '18:00', to: '21:00'}]\n",
      "kasama.yaml");
  loader.addText("tenant: toyama\nmodel: none\nbusiness_hours: {days: mon-fri, from: '08:30', to: '17:15'}\n",
                 "toyama.yaml");
  auto l = std::move(loader).finish();
  EXPECT_TRUE(l.ok()) << l.errorText();
  return std::move(l.policies);
}

int64_t at(const char* rfc3339) { return parseRfc3339(rfc3339).value_or(0); }

TEST(PolicyEnricherTest, HostZoneFromTheHostNameTheHostIpOrTheSender) {
  auto p = packPolicies();
  Event byName = event("kasama", {{"host.name", "SEC-PC012"}});
  byName.host = "172.24.0.9";  // the relay that sent it: the name in the event wins
  enrichFromPolicy(p, byName);
  EXPECT_EQ(byName.fields["host.zone"], "sensitive");

  Event byIp = event("kasama", {{"host.name", "unknown-pc"}, {"host.ip", "172.24.1.1"}});
  enrichFromPolicy(p, byIp);
  EXPECT_EQ(byIp.fields["host.zone"], "internet");

  Event bySender = event("kasama", json::object());
  bySender.host = "10.41.3.3";  // a router without a hostname is known by its address
  enrichFromPolicy(p, bySender);
  EXPECT_EQ(bySender.fields["host.zone"], "sensitive");

  Event unknown = event("kasama", {{"host.zone", "sensitive"}});
  unknown.host = "somewhere";
  enrichFromPolicy(p, unknown);
  EXPECT_FALSE(unknown.fields.contains("host.zone"));  // owned: the event's own value is dropped
}

TEST(PolicyEnricherTest, OutsideZoneGivesEgressAVerdict) {
  auto p = packPolicies();
  Event e = event("kasama", {{"source.ip", "172.24.3.4"}, {"destination.ip", "203.0.113.5"}});
  enrichFromPolicy(p, e);
  EXPECT_EQ(e.fields["destination.zone"], "external");
  EXPECT_EQ(e.fields["flow.allowed"], true);
  Event in = event("kasama", {{"source.ip", "203.0.113.5"}, {"destination.ip", "10.41.0.7"}});
  enrichFromPolicy(p, in);
  EXPECT_EQ(in.fields["source.zone"], "external");
  EXPECT_EQ(in.fields["flow.allowed"], false);
}

TEST(PolicyEnricherTest, CalendarVerdictsEvenWithoutZones) {
  auto p = packPolicies();
  Event office = event("toyama", {{"tenant.business_hours", false}});
  office.ts_us = at("2026-12-07T10:00:00+09:00");  // a Monday morning
  enrichFromPolicy(p, office);
  EXPECT_EQ(office.fields["tenant.business_hours"], true);
  EXPECT_FALSE(office.fields.contains("tenant.change_window"));  // toyama lists no windows
  EXPECT_FALSE(office.fields.contains("source.zone"));

  Event night = event("kasama", json::object());
  night.ts_us = at("2026-12-09T19:00:00+09:00");  // Wednesday evening: outside hours, in the window
  enrichFromPolicy(p, night);
  EXPECT_EQ(night.fields["tenant.business_hours"], false);
  EXPECT_EQ(night.fields["tenant.change_window"], true);

  Event other = event("nobody", {{"tenant.business_hours", true}});
  enrichFromPolicy(p, other);
  EXPECT_EQ(other.fields["tenant.business_hours"], true);  // no policy: untouched
}

}  // namespace
}  // namespace hinomi::correlator
