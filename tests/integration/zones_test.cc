// Zone enrichment end to end: a config with a tenants directory, `hinomi replay` raising a rule on
// `flow.allowed: false` only where the tenant policy forbids the flow, and `hinomi decode` showing
// the zone fields.
#include <sstream>

#include <gtest/gtest.h>

#include "common/event.h"
#include "correlator/incident.h"
#include "tests/testing/child_process.h"
#include "tests/testing/json_lines.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::runProgram;
using testing::TempDir;

const std::string kSource = HINOMI_SOURCE_DIR;
const std::string kRuleId = "6a1d4c2e-7b3f-4f0a-9e5d-2c8b1a7f3e90";

// FortiGate traffic lines (kv over syslog); the addresses are what the policy judges.
std::string traffic(const std::string& src, const std::string& dst, const std::string& action) {
  return "<189>date=2026-11-20 time=10:00:00 devname=\"city-fgt01\" devid=\"FG100FTK00000001\" "
         "logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" srcip=" +
         src + " srcport=51544 dstip=" + dst + " dstport=443 action=\"" + action + "\" policyid=7\n";
}

// A temp config: the shipped decoders, one rule, one three-tier tenant; relative paths, so they are
// taken from the config file's directory.
struct ZoneFixture {
  TempDir dir;
  std::string config;
  ZoneFixture() {
    dir.write("tenants/katsuragi.yaml",
              "tenant: katsuragi\n"
              "name: 葛城市\n"
              "model: three-tier\n"
              "zones:\n"
              "  - {name: mynumber, tier: マイナンバー利用事務系, cidrs: [10.10.0.0/16]}\n"
              "  - {name: lgwan, tier: LGWAN接続系, cidrs: [10.20.0.0/16]}\n"
              "  - {name: internet, tier: インターネット接続系, cidrs: [10.30.0.0/16]}\n"
              "flows:\n"
              "  - {from: lgwan, to: internet, via: [10.20.5.10]}\n"
              "  - {from: internet, to: lgwan}\n");
    dir.write("rules/lgwan_egress.yml",
              "title: LGWAN Traffic the Tenant Policy Does Not Allow\n"
              "id: " + kRuleId + "\n"
              "logsource: {category: firewall}\n"
              "detection:\n"
              "  selection:\n"
              "    source.zone: lgwan\n"
              "    flow.allowed: false\n"
              "  condition: selection\n"
              "level: high\n");
    config = dir.write("hinomi.yaml", "correlator:\n  decoders: [" + kSource +
                                          "/config/decoders]\n  rules: [rules]\ntenants: [tenants]\n");
  }
};

TEST(ZonesTest, ReplayRaisesOnlyTheFlowsThePolicyForbids) {
  ZoneFixture s;
  auto log = s.dir.write("fw.log", traffic("10.20.5.10", "10.30.0.8", "accept") +  // via the gateway: allowed
                                       traffic("10.20.7.7", "10.30.0.8", "accept") +   // lgwan → internet direct
                                       traffic("10.20.7.7", "10.20.9.9", "accept") +   // within lgwan
                                       traffic("10.20.7.7", "10.10.1.1", "deny") +     // lgwan → mynumber: no flow
                                       traffic("10.30.0.8", "10.20.7.7", "accept") +   // internet → lgwan: listed
                                       traffic("10.20.7.7", "192.0.2.1", "accept"));   // destination in no zone
  auto r = runProgram({HINOMI_BINARY, "replay", "-c", s.config, "--tenant", "katsuragi", "--now",
                       "2026-11-21T00:00:00Z", log});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto inc = testing::incidentLines(r.out);
  ASSERT_EQ(inc.size(), 2u) << r.out;
  EXPECT_EQ(inc[0].rule_id, kRuleId);
  EXPECT_EQ(inc[0].tenant, "katsuragi");
  EXPECT_EQ(inc[0].fields.value("source.ip", ""), "10.20.7.7") << inc[0].fields.dump();
  EXPECT_EQ(inc[0].fields.value("destination.ip", ""), "10.30.0.8");
  EXPECT_EQ(inc[1].fields.value("destination.ip", ""), "10.10.1.1") << inc[1].fields.dump();

  // The same lines as tenant default, which has no policy in this tenants directory, raise nothing.
  auto plain = runProgram({HINOMI_BINARY, "replay", "-c", s.config, "--now", "2026-11-21T00:00:00Z", log});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out, "");
}

TEST(ZonesTest, DecodeShowsTheZoneFields) {
  ZoneFixture s;
  auto log = s.dir.write("fw.log", traffic("10.20.5.10", "10.30.0.8", "accept") +
                                       traffic("10.20.7.7", "10.30.0.8", "accept") +
                                       traffic("10.20.7.7", "192.0.2.1", "accept"));
  auto r = runProgram({HINOMI_BINARY, "decode", "-c", s.config, "--tenant", "katsuragi", log});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto ev = testing::eventLines(r.out);
  ASSERT_EQ(ev.size(), 3u) << r.out;
  EXPECT_EQ(ev[0].tenant, "katsuragi");
  EXPECT_EQ(ev[0].fields.value("source.zone", ""), "lgwan") << ev[0].fields.dump();
  EXPECT_EQ(ev[0].fields.value("destination.zone", ""), "internet");
  EXPECT_EQ(ev[0].fields["flow.allowed"], true);
  EXPECT_EQ(ev[1].fields["flow.allowed"], false) << ev[1].fields.dump();
  EXPECT_EQ(ev[2].fields.value("source.zone", ""), "lgwan");
  EXPECT_FALSE(ev[2].fields.contains("destination.zone")) << ev[2].fields.dump();
  EXPECT_FALSE(ev[2].fields.contains("flow.allowed"));

  auto plain = runProgram({HINOMI_BINARY, "decode", "-c", s.config, log});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  for (const auto& e : testing::eventLines(plain.out)) EXPECT_FALSE(e.fields.contains("source.zone")) << e.fields.dump();
}

TEST(ZonesTest, RuleFixturesSeeTheZoneFieldsOfTheirTenant) {
  ZoneFixture s;
  std::string forbidden = traffic("10.20.7.7", "10.30.0.8", "accept");
  std::string via_gateway = traffic("10.20.5.10", "10.30.0.8", "accept");
  forbidden.pop_back();
  via_gateway.pop_back();
  s.dir.write("rules/tests/lgwan_egress.yaml", "rule: " + kRuleId + "\ntenant: katsuragi\nfire:\n  - line: '" +
                                                  forbidden + "'\nno_fire:\n  - line: '" + via_gateway + "'\n");
  auto r = runProgram({HINOMI_BINARY, "rules", "test", "-c", s.config});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2 passed, 0 failed"), std::string::npos) << r.out;

  // The same cases as a tenant without a policy: no zones, so the positive case fails.
  s.dir.write("rules/tests/lgwan_egress.yaml", "rule: " + kRuleId + "\ntenant: default\nfire:\n  - line: '" +
                                                  forbidden + "'\n");
  auto other = runProgram({HINOMI_BINARY, "rules", "test", "-c", s.config});
  EXPECT_EQ(other.exit_code, 1) << other.out;
  EXPECT_NE(other.out.find("0 passed, 1 failed"), std::string::npos) << other.out;
}

TEST(ZonesTest, PolicyErrorsAreLocatedAndRefuseToStart) {
  ZoneFixture s;
  s.dir.write("tenants/bad.yaml", "tenant: kasama\nmodel: two-tier\nzones:\n  - {name: a, cidrs: [10.0.0.0/33]}\n");
  auto log = s.dir.write("fw.log", traffic("10.20.7.7", "10.30.0.8", "accept"));
  for (const char* cmd : {"replay", "decode"}) {
    auto r = runProgram({HINOMI_BINARY, cmd, "-c", s.config, log});
    EXPECT_EQ(r.exit_code, 2) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find(s.dir.file("tenants/bad.yaml") + ":4:23: error: zones[0].cidrs: '10.0.0.0/33' is not a network"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("1 error in the tenant policies"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }

  // `config check` reads the policies too, and `rules test` refuses to run without them.
  auto check = runProgram({HINOMI_BINARY, "config", "check", "-c", s.config});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.err.find("bad.yaml:4:23: error:"), std::string::npos) << check.err;
  auto test = runProgram({HINOMI_BINARY, "rules", "test", "-c", s.config});
  EXPECT_EQ(test.exit_code, 2);
  EXPECT_NE(test.err.find("bad.yaml:4:23: error:"), std::string::npos) << test.err;

  // A tenants directory the config names must exist.
  auto cfg = s.dir.write("missing.yaml", "correlator:\n  decoders: [" + kSource + "/config/decoders]\n  rules: [rules]\n"
                                         "tenants: [no-such-dir]\n");
  auto r = runProgram({HINOMI_BINARY, "replay", "-c", cfg, log});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no-such-dir:1:1: error: not a directory of tenant policies"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hinomi
