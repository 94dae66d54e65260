// Tenant policy files: the prefix table (longest match, IPv6, IPv4-mapped), flow rules with and
// without `via`, and every loading mistake reported with FILE:LINE:COL.
#include "correlator/enrich/tenant_policy.h"

#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"

namespace hinomi::correlator {
namespace {

using rules::IpBytes;

rules::Cidr cidr(const std::string& text) {
  auto c = rules::parseCidr(text);
  EXPECT_TRUE(c.has_value()) << text;
  return c.value_or(rules::Cidr{});
}

IpBytes ip(const std::string& text) {
  auto a = rules::parseIp(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpBytes{});
}

TenantPolicyLoad load(const std::string& text, const std::string& file = "t.yaml") {
  TenantPolicyLoader loader;
  loader.addText(text, file);
  return std::move(loader).finish();
}

const std::string kThreeTier =
    "tenant: katsuragi\n"
    "name: 葛城市\n"
    "model: three-tier\n"
    "zones:\n"
    "  - name: mynumber\n"
    "    tier: マイナンバー利用事務系\n"
    "    cidrs: [10.10.0.0/16]\n"
    "  - name: lgwan\n"
    "    cidrs: [10.20.0.0/16, 'fd00:20::/32']\n"
    "  - name: sanitizer\n"
    "    cidrs: [10.20.6.0/28]\n"
    "  - name: internet\n"
    "    cidrs: [10.30.0.0/16, '2001:db8:30::/48']\n"
    "flows:\n"
    "  - {from: lgwan, to: internet, via: [10.20.5.10]}\n"
    "  - {from: internet, to: sanitizer}\n";

// --- prefix table -------------------------------------------------------------------------------

TEST(PrefixTableTest, LongestPrefixWinsWhateverTheInsertOrder) {
  for (bool reversed : {false, true}) {
    PrefixTable t;
    std::vector<std::pair<std::string, int>> nets = {{"10.0.0.0/8", 1}, {"10.20.0.0/16", 2}, {"10.20.5.0/24", 3},
                                                     {"10.20.5.10/32", 4}, {"0.0.0.0/0", 5}};
    if (reversed) std::reverse(nets.begin(), nets.end());
    for (const auto& [n, v] : nets) EXPECT_TRUE(t.insert(cidr(n), v));
    EXPECT_EQ(t.lookup(ip("10.20.5.10")), 4);
    EXPECT_EQ(t.lookup(ip("10.20.5.11")), 3);
    EXPECT_EQ(t.lookup(ip("10.20.6.1")), 2);
    EXPECT_EQ(t.lookup(ip("10.99.0.1")), 1);
    EXPECT_EQ(t.lookup(ip("192.0.2.1")), 5);
    // 0.0.0.0/0 is every IPv4 address, not every IPv6 one.
    EXPECT_EQ(t.lookup(ip("2001:db8::1")), -1);
  }
}

TEST(PrefixTableTest, Ipv6AndIpv4MappedAddresses) {
  PrefixTable t;
  EXPECT_TRUE(t.insert(cidr("2001:db8::/32"), 1));
  EXPECT_TRUE(t.insert(cidr("2001:db8:ab00::/40"), 2));
  EXPECT_TRUE(t.insert(cidr("192.168.0.0/16"), 3));
  EXPECT_EQ(t.lookup(ip("2001:db8:1::1")), 1);
  EXPECT_EQ(t.lookup(ip("2001:db8:abcd::1")), 2);
  EXPECT_EQ(t.lookup(ip("2001:db9::1")), -1);
  EXPECT_EQ(t.lookup(ip("::ffff:192.168.3.4")), 3);
  EXPECT_EQ(t.lookup(ip("::ffff:192.169.3.4")), -1);
  EXPECT_EQ(t.lookup(ip("192.168.3.4")), 3);
}

TEST(PrefixTableTest, HostBitsOfANetworkAreIgnoredAndExactDuplicatesRefused) {
  PrefixTable t;
  EXPECT_TRUE(t.insert(cidr("10.1.2.3/16"), 1));
  EXPECT_FALSE(t.insert(cidr("10.1.0.0/16"), 2));
  EXPECT_EQ(t.lookup(ip("10.1.200.1")), 1);
  EXPECT_EQ(t.exact(cidr("10.1.0.0/16")), 1);
  EXPECT_EQ(t.exact(cidr("10.1.0.0/17")), -1);
}

// --- a loaded policy ----------------------------------------------------------------------------

TEST(TenantPolicyTest, ThreeTierPolicyLoadsAndResolvesZones) {
  auto l = load(kThreeTier);
  ASSERT_TRUE(l.ok()) << l.errorText();
  const TenantPolicy* p = l.policies.find("katsuragi");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(l.policies.find("default"), nullptr);
  EXPECT_EQ(p->name, "葛城市");
  EXPECT_EQ(p->model, NetworkModel::kThreeTier);
  ASSERT_EQ(p->zones.size(), 4u);
  EXPECT_EQ(p->zones[0].tier, "マイナンバー利用事務系");
  auto zone = [&](const std::string& a) {
    int z = p->zoneOf(ip(a));
    return z < 0 ? std::string("-") : p->zones[size_t(z)].name;
  };
  EXPECT_EQ(zone("10.10.1.23"), "mynumber");
  EXPECT_EQ(zone("10.20.3.4"), "lgwan");
  EXPECT_EQ(zone("10.20.6.5"), "sanitizer");  // nested in lgwan: the longer prefix
  EXPECT_EQ(zone("10.20.6.16"), "lgwan");
  EXPECT_EQ(zone("::ffff:10.30.0.9"), "internet");
  EXPECT_EQ(zone("2001:db8:30:1::5"), "internet");
  EXPECT_EQ(zone("fd00:20::1"), "lgwan");
  EXPECT_EQ(zone("172.16.0.1"), "-");
}

TEST(TenantPolicyTest, FlowsSameZoneListedPairsAndVia) {
  auto l = load(kThreeTier);
  ASSERT_TRUE(l.ok()) << l.errorText();
  const TenantPolicy& p = *l.policies.find("katsuragi");
  auto allowed = [&](const std::string& src, const std::string& dst) {
    IpBytes s = ip(src), d = ip(dst);
    return p.flowAllowed(p.zoneOf(s), p.zoneOf(d), s, d);
  };
  EXPECT_TRUE(allowed("10.10.1.1", "10.10.2.2"));     // within a zone
  EXPECT_FALSE(allowed("10.10.1.1", "10.20.2.2"));    // mynumber → lgwan: no flow rule
  EXPECT_TRUE(allowed("10.20.5.10", "10.30.1.1"));    // lgwan → internet from the via host
  EXPECT_FALSE(allowed("10.20.5.11", "10.30.1.1"));   // … from another lgwan host
  EXPECT_FALSE(allowed("10.30.1.1", "10.20.5.10"));   // the reverse pair is not listed
  EXPECT_TRUE(allowed("10.30.1.1", "10.20.6.1"));     // internet → sanitizer, no via
  EXPECT_FALSE(allowed("10.20.6.1", "10.30.1.1"));    // sanitizer → internet is not listed
}

TEST(TenantPolicyTest, ViaMatchesEitherEndAndNetworks) {
  auto l = load(
      "tenant: t\nmodel: two-tier\nzones:\n"
      "  - {name: a, cidrs: [10.1.0.0/16]}\n"
      "  - {name: b, cidrs: [10.2.0.0/16]}\n"
      "flows:\n"
      "  - {from: a, to: b, via: [10.2.9.0/24, 10.1.0.7]}\n");
  ASSERT_TRUE(l.ok()) << l.errorText();
  const TenantPolicy& p = *l.policies.find("t");
  EXPECT_EQ(p.model, NetworkModel::kTwoTier);
  auto allowed = [&](const std::string& src, const std::string& dst) {
    IpBytes s = ip(src), d = ip(dst);
    return p.flowAllowed(p.zoneOf(s), p.zoneOf(d), s, d);
  };
  EXPECT_TRUE(allowed("10.1.0.7", "10.2.0.1"));   // source is a via host
  EXPECT_TRUE(allowed("10.1.3.3", "10.2.9.200"));  // destination in a via network
  EXPECT_FALSE(allowed("10.1.3.3", "10.2.8.1"));
}

TEST(TenantPolicyTest, ModelNoneLoadsWithoutZones) {
  auto l = load("tenant: default\nname: Default tenant\nmodel: none\n");
  ASSERT_TRUE(l.ok()) << l.errorText();
  const TenantPolicy* p = l.policies.find("default");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->model, NetworkModel::kNone);
  EXPECT_TRUE(p->zones.empty());
}

TEST(TenantPolicyTest, TheShippedDefaultTenantLoads) {
  auto l = loadTenantDirectories({std::string(HINOMI_SOURCE_DIR) + "/config/tenants"});
  ASSERT_TRUE(l.ok()) << l.errorText();
  const TenantPolicy* p = l.policies.find("default");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->model, NetworkModel::kNone);
}

// --- mistakes -----------------------------------------------------------------------------------

// Every error as "FILE:LINE:COL: error: message", one per line.
std::string errors(const std::string& text) { return load(text).errorText(); }

TEST(TenantPolicyLoaderTest, EveryMistakeIsReportedWithItsLine) {
  std::string text =
      "tenant: t\n"                                       // 1
      "model: three-tier\n"                               // 2
      "colour: blue\n"                                    // 3 unknown key
      "zones:\n"                                          // 4
      "  - name: a\n"                                     // 5
      "    cidrs: [10.1.0.0/16, 10.300.0.0/16]\n"         // 6 bad CIDR
      "  - name: a\n"                                     // 7 duplicate zone
      "    cidrs: [10.2.0.0/16]\n"                        // 8
      "  - name: b\n"                                     // 9
      "    cidr: [10.3.0.0/16]\n"                         // 10 unknown key (and no cidrs)
      "  - name: c\n"                                     // 11
      "    cidrs: [10.1.0.0/16]\n"                        // 12 same network as zone a
      "flows:\n"                                          // 13
      "  - {from: a, to: nowhere}\n"                      // 14 unknown zone
      "  - {from: a, to: c, via: [bogus]}\n"              // 15 bad via
      "  - {from: c, to: c}\n";                           // 16 same zone
  std::string e = errors(text);
  EXPECT_NE(e.find("t.yaml:3:1: error: tenant policy: unknown key 'colour'"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:6:26: error: zones[0].cidrs: '10.300.0.0/16' is not a network"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:7:11: error: zones[1].name: zone 'a' is already defined at line 5"), std::string::npos)
      << e;
  EXPECT_NE(e.find("t.yaml:10:5: error: zones[2]: unknown key 'cidr'"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:9:5: error: zones[2]: 'cidrs' is required"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:12:13: error: zones[3].cidrs: 10.1.0.0/16 is already in zone 'a'"), std::string::npos)
      << e;
  EXPECT_NE(e.find("t.yaml:14:19: error: flows[0].to: no zone named 'nowhere'"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:15:28: error: flows[1].via: 'bogus' is not a network"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:16:5: error: flows[2]: from and to are the same zone"), std::string::npos) << e;
  EXPECT_FALSE(load(text).policies.find("t"));  // a policy with errors is not used
}

TEST(TenantPolicyLoaderTest, MissingAndBadTopLevelValues) {
  EXPECT_NE(errors("name: x\nmodel: none\n").find("t.yaml:1:1: error: tenant policy: 'tenant' is required"),
            std::string::npos);
  EXPECT_NE(errors("tenant: t\nmodel: four-tier\n").find("t.yaml:2:8: error: model: 'four-tier' is not one of"),
            std::string::npos);
  EXPECT_NE(errors("tenant: t\nmodel: three-tier\n").find("zones: expected a non-empty list"), std::string::npos);
  EXPECT_NE(errors("tenant: t\nmodel: none\nzones:\n  - {name: a, cidrs: [10.0.0.0/8]}\n")
                .find("t.yaml:4:3: error: zones: model none has no zones"),
            std::string::npos);
  EXPECT_NE(errors("tenant: t\nmodel: two-tier\nzones:\n  - {name: 'a b', cidrs: [10.0.0.0/8]}\n")
                .find("zones[0].name: 'a b' may only hold"),
            std::string::npos);
  EXPECT_NE(errors("tenant: t\nmodel: two-tier\nzones:\n  - {name: a, cidrs: []}\n")
                .find("t.yaml:4:22: error: zones[0].cidrs: an empty list"),
            std::string::npos);
  EXPECT_NE(errors("- a\n- b\n").find("t.yaml:1:1: error: expected a mapping"), std::string::npos);
  EXPECT_NE(errors("tenant: [x\n").find("YAML syntax"), std::string::npos);
  EXPECT_NE(errors("").find("empty tenant policy"), std::string::npos);
}

TEST(TenantPolicyLoaderTest, DuplicateTenantIdsAcrossFilesAreAnError) {
  TenantPolicyLoader loader;
  loader.addText("tenant: t\nmodel: none\n", "a.yaml");
  loader.addText("# the same tenant again\ntenant: t\nmodel: none\n", "b.yaml");
  auto l = std::move(loader).finish();
  ASSERT_EQ(l.errors.size(), 1u) << l.errorText();
  EXPECT_EQ(l.errors[0].toString(), "b.yaml:2:9: error: tenant 't' already has a policy in a.yaml:1");
}

TEST(TenantPolicyLoaderTest, DirectoriesMissingOrNot) {
  testing::TempDir dir;
  dir.write("a.yaml", "tenant: a\nmodel: none\n");
  dir.write("b.yml", "tenant: b\nmodel: two-tier\nzones: [{name: x, cidrs: [10.0.0.0/8]}]\n");
  dir.write("notes.txt", "not a policy");
  auto l = loadTenantDirectories({dir.path().string()});
  ASSERT_TRUE(l.ok()) << l.errorText();
  EXPECT_EQ(l.policies.size(), 2u);
  EXPECT_NE(l.policies.find("b"), nullptr);

  std::string missing = dir.file("nope");
  auto strict = loadTenantDirectories({missing});
  ASSERT_EQ(strict.errors.size(), 1u);
  EXPECT_EQ(strict.errors[0].toString(), missing + ":1:1: error: not a directory of tenant policies");
  auto lenient = loadTenantDirectories({missing}, /*missing_ok=*/true);
  EXPECT_TRUE(lenient.ok());
  EXPECT_TRUE(lenient.policies.empty());
  // missing_ok is about absence only: a file where a directory should be is still wrong.
  EXPECT_FALSE(loadTenantDirectories({dir.file("notes.txt")}, true).ok());
}

}  // namespace
}  // namespace hinomi::correlator

namespace hinomi::correlator {
namespace {

// --- the policy pack's additions: outside zone, host patterns, senders, terminal model ----------

TEST(TenantPolicyTest, OutsideZoneNamesEveryOtherAddressAndTakesPartInFlows) {
  auto l = load(kThreeTier + "outside_zone: external\nterminal_model: beta\n");
  ASSERT_TRUE(l.ok()) << l.errorText();
  const TenantPolicy* p = l.policies.find("katsuragi");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->terminals, TerminalModel::kBeta);
  int ext = p->zoneOf(ip("203.0.113.5"));
  ASSERT_GE(ext, 0);
  EXPECT_EQ(p->zones[size_t(ext)].name, "external");
  EXPECT_EQ(p->zones[size_t(p->zoneOf(ip("10.20.1.1")))].name, "lgwan");
  EXPECT_EQ(p->table.lookup(ip("203.0.113.5")), -1);  // the table itself holds only networks

  // kThreeTier ends in its flows list: one more entry allows egress from the internet zone.
  auto flows = load(kThreeTier + "  - {from: internet, to: external}\noutside_zone: external\n");
  ASSERT_TRUE(flows.ok()) << flows.errorText();
  const TenantPolicy* q = flows.policies.find("katsuragi");
  int inet = q->zoneOf(ip("10.30.0.1"));
  int out = q->zoneOf(ip("198.51.100.1"));
  EXPECT_TRUE(q->flowAllowed(inet, out, ip("10.30.0.1"), ip("198.51.100.1")));
  EXPECT_FALSE(q->flowAllowed(out, inet, ip("198.51.100.1"), ip("10.30.0.1")));
}

TEST(TenantPolicyTest, HostPatternsAndSenders) {
  auto l = load(
      "tenant: kasama\nmodel: two-tier\n"
      "senders: {hosts: ['*.kasama.example.lg.jp', 'kasama-?w01'], cidrs: [10.41.0.0/16]}\n"
      "zones:\n"
      "  - {name: sensitive, cidrs: [10.41.0.0/16], hosts: ['SEC-*', 'kiosk']}\n"
      "  - {name: internet, cidrs: [172.24.0.0/16], hosts: 'net-*'}\n");
  ASSERT_TRUE(l.ok()) << l.errorText();
  const TenantPolicy* p = l.policies.find("kasama");
  EXPECT_EQ(p->zoneOfHost("sec-pc01.kasama.example.lg.jp"), 0);
  EXPECT_EQ(p->zoneOfHost("SEC-PC01"), 0);
  EXPECT_EQ(p->zoneOfHost("KIOSK"), 0);
  EXPECT_EQ(p->zoneOfHost("kiosk2"), -1);
  EXPECT_EQ(p->zoneOfHost("NET-PC7"), 1);
  EXPECT_EQ(p->zoneOfHost("lg-pc1"), -1);
  EXPECT_EQ(p->zoneOfHost(""), -1);
  EXPECT_TRUE(p->sentBy("FW01.Kasama.Example.LG.JP"));
  EXPECT_TRUE(p->sentBy("kasama-fw01"));
  EXPECT_FALSE(p->sentBy("kasama-fw001"));
  EXPECT_TRUE(p->sentBy("10.41.9.9"));
  EXPECT_FALSE(p->sentBy("10.42.9.9"));
  EXPECT_FALSE(p->sentBy("katsuragi-fw01"));
  EXPECT_TRUE(l.policies.anySenders());
  EXPECT_EQ(l.policies.tenantOfSender("kasama-fw01"), "kasama");
  EXPECT_EQ(l.policies.tenantOfSender("elsewhere"), "default");
}

TEST(TenantPolicyTest, HostPatternGlobsBacktrackWithoutBlowingUp) {
  EXPECT_TRUE(hostPatternMatches("a*b*c", "axxbyyc"));
  EXPECT_FALSE(hostPatternMatches("a*b*c", "axxbyy"));
  EXPECT_TRUE(hostPatternMatches("*", ""));
  EXPECT_FALSE(hostPatternMatches("?", ""));
  EXPECT_TRUE(hostPatternMatches("mn-??", "MN-PC"));
  // A hostile name against many stars finishes (one backtrack point: quadratic at worst).
  EXPECT_FALSE(hostPatternMatches("*a*a*a*a*a*a*a*b", std::string(5000, 'a')));
}

TEST(TenantPolicyLoaderTest, MistakesInThePackKeysAreReportedWithTheirLine) {
  auto l = load(
      "tenant: t\n"
      "model: two-tier\n"
      "terminal_model: gamma\n"
      "senders: {hosts: [], ports: [514]}\n"
      "zones:\n"
      "  - {name: internet, cidrs: [10.0.0.0/8], hosts: [{a: 1}]}\n"
      "outside_zone: internet\n"
      "playbooks: [pb1, 'p b2']\n"
      "example: maybe\n",
      "pack.yaml");
  ASSERT_FALSE(l.ok());
  auto text = l.errorText();
  EXPECT_NE(text.find("pack.yaml:3:17: error: terminal_model: 'gamma' is not one of alpha, alpha-prime, beta, beta-prime"), std::string::npos) << text;
  EXPECT_NE(text.find("pack.yaml:3:17: error: terminal_model: the α/β models are variants of three-tier"), std::string::npos) << text;
  EXPECT_NE(text.find("pack.yaml:4:18: error: senders.hosts: expected a non-empty list of host names or patterns, got an empty list"), std::string::npos) << text;
  EXPECT_NE(text.find("pack.yaml:4:22: error: senders: unknown key 'ports'"), std::string::npos) << text;
  EXPECT_NE(text.find("pack.yaml:6:51: error: zones[0].hosts: expected a host name or pattern"), std::string::npos) << text;
  EXPECT_NE(text.find("pack.yaml:7:15: error: outside_zone: 'internet' is a zone with networks"), std::string::npos) << text;
  EXPECT_NE(text.find("pack.yaml:8:18: error: playbooks: 'p b2' is not a playbook id"), std::string::npos) << text;
  EXPECT_NE(text.find("pack.yaml:9:10: error: example: expected true or false"), std::string::npos) << text;
}

TEST(TenantPolicyTest, TheShippedPolicyPackLoads) {
  auto l = loadTenantDirectories({std::string(HINOMI_SOURCE_DIR) + "/config/tenants"});
  ASSERT_TRUE(l.ok()) << l.errorText();
  ASSERT_EQ(l.policies.size(), 6u);  // default and the five seed organisations
  const TenantPolicy* katsuragi = l.policies.find("katsuragi");
  const TenantPolicy* shunan = l.policies.find("shunan");
  const TenantPolicy* kasama = l.policies.find("kasama");
  const TenantPolicy* toyama = l.policies.find("toyama");
  ASSERT_TRUE(katsuragi && shunan && kasama && toyama && l.policies.find("kawasaki"));
  EXPECT_EQ(katsuragi->model, NetworkModel::kThreeTier);
  EXPECT_EQ(katsuragi->terminals, TerminalModel::kAlpha);
  EXPECT_EQ(shunan->terminals, TerminalModel::kBeta);
  EXPECT_EQ(kasama->model, NetworkModel::kTwoTier);
  EXPECT_EQ(toyama->model, NetworkModel::kNone);
  EXPECT_TRUE(katsuragi->example);
  // Screen transfer from the internet segment into LGWAN: normal under β, a breach under α.
  auto allowed = [](const TenantPolicy* p, const char* src, const char* dst) {
    return p->flowAllowed(p->zoneOf(ip(src)), p->zoneOf(ip(dst)), ip(src), ip(dst));
  };
  EXPECT_TRUE(allowed(shunan, "172.22.3.4", "10.22.5.2"));
  EXPECT_FALSE(allowed(katsuragi, "172.21.3.4", "10.12.5.2"));
  // Direct egress: only a tenant without a security cloud allows it.
  EXPECT_FALSE(allowed(katsuragi, "172.21.3.4", "203.0.113.5"));
  EXPECT_TRUE(allowed(kasama, "172.24.3.4", "203.0.113.5"));
  for (const auto& [id, p] : l.policies.all()) {
    if (id == "default") continue;
    EXPECT_FALSE(p.contacts.contacts.empty()) << id;
    EXPECT_TRUE(p.calendar.has_business_hours) << id;
    EXPECT_TRUE(p.contacts.acknowledge.count("critical")) << id;
  }
}

}  // namespace
}  // namespace hinomi::correlator
