// RuleSet on hand-built events, pipelines, and a differential test: 300 generated rules matched
// through the RE2::Set + candidate path must agree with the naive evaluation of every rule.
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "correlator/rules/rule_loader.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/correlator/rules/rules_test_util.h"

namespace hinomi::rules {
namespace {

using json = nlohmann::json;
using test::compileText;
using test::event;

TEST(RuleSetTest, ConditionsOverSelections) {
  auto set = compileText(R"(title: t
id: r1
detection:
  sel_user: {user.name: root}
  sel_fail: {event.outcome: failure}
  filter: {source.ip|cidr: 10.0.0.0/8}
  condition: all of sel_* and not filter
---
title: t2
id: r2
detection:
  sel_a: {user.name: alice}
  sel_b: {user.name: bob}
  condition: 1 of sel_*
)");
  EXPECT_EQ(set.size(), 2u);
  auto ids = [&](json f) { return set.matchIds(event(std::move(f))); };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({{"user.name", "root"}, {"event.outcome", "failure"}, {"source.ip", "203.0.113.1"}}), V{"r1"});
  EXPECT_EQ(ids({{"user.name", "root"}, {"event.outcome", "failure"}, {"source.ip", "10.1.1.1"}}), V{});
  EXPECT_EQ(ids({{"user.name", "root"}, {"event.outcome", "success"}}), V{});
  EXPECT_EQ(ids({{"user.name", "BOB"}}), V{"r2"});
  // r1's `not filter` does not make it evaluated for every event: its selections still need a trigger.
  EXPECT_EQ(set.stats().always_evaluated, 0u);
  EXPECT_EQ(set.stats().scanned_fields, 2u);
}

TEST(RuleSetTest, ANegationAloneIsEvaluatedForEveryEvent) {
  auto set = compileText(R"(title: t
id: not-root
detection:
  sel: {user.name: root}
  condition: not sel
)");
  EXPECT_EQ(set.stats().always_evaluated, 1u);
  EXPECT_EQ(set.matchIds(event({{"user.name", "alice"}})), std::vector<std::string>{"not-root"});
  EXPECT_EQ(set.matchIds(event({})), std::vector<std::string>{"not-root"});
  EXPECT_TRUE(set.matchIds(event({{"user.name", "ROOT"}})).empty());
}

TEST(RuleSetTest, PlainValuesAreLookedUpAndFoldCaseAsRe2Does) {
  auto set = compileText(R"(title: t
id: kate
detection:
  sel: {user.name: kate}
  condition: sel
---
title: t
id: cased
detection:
  sel: {user.name|cased: Kate}
  condition: sel
---
title: t
id: b64
detection:
  sel: {process.args|base64: 'id'}
  condition: sel
---
title: t
id: wild
detection:
  sel: {user.name: 'ka?e'}
  condition: sel
)");
  auto st = set.stats();
  EXPECT_EQ(st.exact_patterns, 3u);  // kate, Kate (cased), aWQ= (base64); ka?e is a pattern
  using V = std::vector<std::string>;
  auto ids = [&](json f) { return set.matchIds(event(std::move(f))); };
  EXPECT_EQ(ids({{"user.name", "kate"}}), (V{"kate", "wild"}));
  EXPECT_EQ(ids({{"user.name", "KATE"}}), (V{"kate", "wild"}));
  EXPECT_EQ(ids({{"user.name", "Kate"}}), (V{"kate", "cased", "wild"}));
  EXPECT_EQ(ids({{"user.name", "\u212Aate"}}), (V{"kate", "wild"}));  // KELVIN SIGN folds to k in RE2
  EXPECT_EQ(ids({{"user.name", "kate "}}), V{});                    // the whole value, not a prefix
  EXPECT_EQ(ids({{"process.args", "aWQ="}}), V{"b64"});
  EXPECT_EQ(ids({{"process.args", "AWQ="}}), V{});                  // base64 is exact bytes
}

TEST(RuleSetTest, RulesWithoutSetPredicatesAreStillEvaluated) {
  auto set = compileText(R"(title: t
id: big-port
detection:
  sel: {destination.port|gt: 60000}
  condition: sel
)");
  EXPECT_EQ(set.stats().always_evaluated, 1u);
  EXPECT_EQ(set.matchIds(event({{"destination.port", 61000}})), std::vector<std::string>{"big-port"});
  EXPECT_TRUE(set.matchIds(event({{"destination.port", 443}})).empty());
}

TEST(RuleSetTest, PipelineMapsFieldsAndRoutesByLogsource) {
  Pipeline p;
  p.name = "sshd";
  p.logsource.product = "linux";
  p.logsource.service = "sshd";
  p.fields = {{"User", "user.name"}, {"SourceIp", "source.ip"}};
  p.route = {{"app", {Value{false, "sshd"}}}};
  auto set = compileText(R"(title: t
id: ssh-root
logsource: {product: linux, service: sshd}
detection:
  sel: {User: root, SourceIp|cidr: 192.0.2.0/24}
  condition: sel
---
title: t
id: other
logsource: {product: windows}
detection:
  sel: {User: root}
  condition: sel
)", {p});
  Event e = event({{"user.name", "root"}, {"source.ip", "192.0.2.7"}, {"User", "root"}});
  e.app = "sshd";
  EXPECT_EQ(set.matchIds(e), (std::vector<std::string>{"ssh-root", "other"}));
  e.app = "nginx";  // routed: sshd rules do not see other programs' events
  EXPECT_EQ(set.matchIds(e), std::vector<std::string>{"other"});
  EXPECT_EQ(set.stats().always_evaluated, 0u);  // the route gate alone does not make a candidate
}

// Routes decide which events a routed rule sees, and a field only routed rules test is not read
// for an event outside all their routes; a null route value means the field is absent.
TEST(RuleSetTest, NullRoutesAndFieldsReadOnlyInsideTheirRoutes) {
  auto read = readPipelineText(R"(name: linux-sshd
logsource: {product: linux, service: sshd}
route: {app: [sshd, sshd-session]}
---
name: linux
logsource: {product: linux}
route: {observer.vendor: null}
)", "p.yaml");
  ASSERT_TRUE(read.errors.empty()) << read.errors[0].toString();
  auto set = compileText(R"(title: t
id: ssh-failed
logsource: {product: linux, service: sshd}
detection:
  keywords: ['Failed password*']
  condition: keywords
---
title: t
id: slow
logsource: {product: linux, service: cron}
detection:
  keywords: ['*took * ms*']
  condition: keywords
---
title: t
id: anywhere
logsource: {product: windows}
detection:
  sel: {user.name: root}
  condition: sel
)", read.pipelines);
  EXPECT_EQ(set.stats().routed_fields, 1u);  // message: only routed rules search it
  auto check = [&](const std::string& app, const std::string& vendor, const std::vector<std::string>& want) {
    Event e = event({{"user.name", "root"}}, "Failed password for root; took 5 ms");
    e.app = app;
    if (!vendor.empty()) e.fields["observer.vendor"] = vendor;
    EXPECT_EQ(set.matchIds(e), want) << app << " " << vendor;
    EXPECT_EQ(set.matchNaive(e), want) << app << " " << vendor;
  };
  check("sshd", "", {"ssh-failed", "slow", "anywhere"});
  check("sshd-session", "Fortinet", {"ssh-failed", "anywhere"});  // its own route says nothing of vendors
  check("cron", "", {"slow", "anywhere"});
  check("", "Fortinet", {"anywhere"});  // an appliance's line: no Linux rule reads it

  auto bad = readPipelineText("name: p\nlogsource: {product: x}\nroute: {app: {a: b}}\n", "bad.yaml");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_NE(bad.errors[0].toString().find("bad.yaml:3"), std::string::npos) << bad.errors[0].toString();
  EXPECT_NE(bad.errors[0].message.find("null: the field is absent"), std::string::npos);
}

TEST(RuleSetTest, LoaderReadsPipelinesFoldersAndRefusesDuplicates) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "pipelines");
  dir.write("pipelines/p.yaml", "name: p\nlogsource: {product: linux}\nfields: {User: user.name}\n");
  dir.write("a.yml", "title: a\nid: same\nlogsource: {product: linux}\ndetection:\n  s: {User: x}\n  condition: s\n");
  dir.write("b.yml", "title: b\nid: same\ndetection:\n  s: {f: x}\n  condition: s\n");
  dir.write("c.yml", "title: c\nid: never\ndetection:\n  s: {f: x}\n  condition: s and not s\n");
  auto loaded = loadRules({dir.path().string()});
  ASSERT_TRUE(loaded.set);
  EXPECT_EQ(loaded.pipelines, 1u);
  EXPECT_EQ(loaded.set->size(), 2u);
  EXPECT_EQ(loaded.refused, 1);
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_NE(loaded.errors[0].message.find("duplicate rule id 'same'"), std::string::npos);
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_NE(loaded.warnings[0].message.find("can never match"), std::string::npos);
  EXPECT_EQ(loaded.set->matchIds(event({{"user.name", "x"}})), std::vector<std::string>{"same"});
}

// A value that is not UTF-8 (a raw 0xFF byte) would fail the whole field's RE2::Set: the rule is
// refused at its line, the others load.
TEST(RuleSetTest, LoaderRefusesAValueThatIsNotUtf8AndLoadsTheOthers) {
  testing::TempDir dir;
  dir.write("bad.yml", "title: bad\nid: bad\ndetection:\n  sel:\n    user.name: \"ab\xff\"\n  condition: sel\n");
  dir.write("good.yml", "title: good\nid: good\ndetection:\n  sel: {user.name: root}\n  condition: sel\n");
  auto loaded = loadRules({dir.path().string()});
  ASSERT_TRUE(loaded.set);
  EXPECT_EQ(loaded.set->size(), 1u);
  EXPECT_EQ(loaded.refused, 1);
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(loaded.errors[0].location.line, 5) << loaded.errors[0].toString();
  EXPECT_NE(loaded.errors[0].message.find("not valid UTF-8"), std::string::npos) << loaded.errors[0].toString();
  EXPECT_EQ(loaded.set->matchIds(event({{"user.name", "root"}})), std::vector<std::string>{"good"});
}

TEST(RuleSetTest, LoaderSkipsTestsFolders) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "linux" / "tests");
  dir.write("a.yml", "title: a\nid: a\ndetection:\n  s: {f: x}\n  condition: s\n");
  // Even a valid rule under a tests/ folder is a fixture file (rule_fixtures.h), not a rule.
  dir.write("linux/tests/b.yml", "title: b\nid: b\ndetection:\n  s: {f: y}\n  condition: s\n");
  dir.write("linux/tests/a.yaml", "rule: a\nfire:\n  - event: {fields: {f: x}}\n");
  auto loaded = loadRules({dir.path().string()});
  EXPECT_TRUE(loaded.errors.empty());
  ASSERT_TRUE(loaded.set);
  EXPECT_EQ(loaded.set->size(), 1u);
  EXPECT_EQ(loaded.set->matchIds(event({{"f", "y"}})), std::vector<std::string>{});
  EXPECT_EQ(loaded.set->matchIds(event({{"f", "x"}})), std::vector<std::string>{"a"});
}

TEST(RuleSetTest, LoaderLoadsAFolderGivenTwiceOnce) {
  testing::TempDir dir;
  dir.write("a.yml", "title: a\nid: a\ndetection:\n  s: {f: x}\n  condition: s\n");
  // The config's folder again through --rules, spelled differently: no duplicate-id refusals.
  auto loaded = loadRules({dir.path().string(), (dir.path() / "." / "").string(), dir.file("a.yml")});
  EXPECT_TRUE(loaded.errors.empty()) << loaded.errors.front().toString();
  ASSERT_TRUE(loaded.set);
  EXPECT_EQ(loaded.set->size(), 1u);
  // Two different folders with the same rule id are still refused.
  testing::TempDir other;
  other.write("a.yml", "title: a\nid: a\ndetection:\n  s: {f: x}\n  condition: s\n");
  EXPECT_EQ(loadRules({dir.path().string(), other.path().string()}).refused, 1);
}

TEST(RuleSetTest, ShippedRulesMatchTheirEventsAndNotTheNearMisses) {
  auto loaded = loadRules({std::string(HINOMI_SOURCE_DIR) + "/config/rules"});
  for (const auto& e : loaded.errors) ADD_FAILURE() << e.toString();
  ASSERT_TRUE(loaded.set);
  auto ids = [&](const std::string& app, const std::string& message, json fields = json::object()) {
    Event e = event(std::move(fields), message);
    e.app = app;
    std::set<std::string> out;
    for (const Rule* r : loaded.set->match(e)) out.insert(r->title);
    return out;
  };
  using S = std::set<std::string>;
  EXPECT_EQ(ids("sshd", "Failed password for alice from 203.0.113.9 port 50022 ssh2"),
            S{"SSH Password Authentication Failed"});
  EXPECT_EQ(ids("sshd", "Failed password for invalid user oracle from 203.0.113.9 port 2 ssh2"),
            (S{"SSH Password Authentication Failed", "SSH Login Attempt for a Non-Existent User"}));
  EXPECT_EQ(ids("nginx", "Failed password for alice from 203.0.113.9"), S{});  // routed to sshd only
  EXPECT_EQ(ids("sshd", "Accepted password for root from 203.0.113.9 port 1 ssh2", {{"source.ip", "203.0.113.9"}}),
            S{"SSH Root Login Accepted from a Non-Private Address"});
  EXPECT_EQ(ids("sshd", "Accepted password for root from 10.1.1.1 port 1 ssh2", {{"source.ip", "10.1.1.1"}}), S{});
  EXPECT_EQ(ids("sudo", "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash"),
            (S{"Command Run as root through sudo", "Interactive Root Shell through sudo"}));
  EXPECT_EQ(ids("sudo", "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update"),
            S{"Command Run as root through sudo"});
  std::string zone = "Traffic from the Internet Zone into the LGWAN or My Number Zone Against the Tenant Policy";
  // flow.allowed is the tenant policy's verdict (docs/policy.md); event.outcome the firewall's.
  EXPECT_EQ(ids("fortigate", "", {{"source.zone", "internet"}, {"destination.zone", "LGWAN"}, {"flow.allowed", false},
                                  {"event.outcome", "success"}}),
            S{zone});
  EXPECT_EQ(ids("fortigate", "", {{"source.zone", "internet"}, {"destination.zone", "mynumber"}, {"flow.allowed", false}}),
            S{zone});
  EXPECT_EQ(ids("fortigate", "", {{"source.zone", "internet"}, {"destination.zone", "lgwan"}, {"flow.allowed", true},
                                  {"event.outcome", "success"}}),
            S{});  // the policy allows it (e.g. through the screen-transfer host)
  EXPECT_EQ(ids("fortigate", "", {{"source.zone", "internet"}, {"destination.zone", "lgwan"}, {"flow.allowed", false},
                                  {"event.outcome", "failure"}}),
            S{});  // the firewall denied it
  // LGWAN into My Number is use case 2's, not this rule's.
  EXPECT_EQ(ids("fortigate", "", {{"source.zone", "lgwan"}, {"destination.zone", "mynumber"}, {"flow.allowed", false}}),
            S{"Traffic Into the My Number Zone Against the Tenant Policy"});
}

// --- differential -------------------------------------------------------------------------------

// Case variants and the non-ASCII letters RE2 folds onto ASCII ones (KELVIN SIGN K is `k`, ſ is
// `s`) test the exact-value lookup against RE2's own case-insensitive comparison.
const char* kUsers[] = {"root", "admin", "Alice", "bob", "web-01", "a*b", "",
                        "ROOT", "kate", "\u212Aate", "sam", "\u017Fam", "J\u00FCrgen", "J\u00DCRGEN"};
const char* kIps[] = {"10.1.2.3", "192.168.1.20", "203.0.113.5", "2001:db8::7", "::ffff:10.9.9.9", "bogus"};
const char* kWords[] = {"failed", "password", "invalid", "user", "accepted", "sudo", "COMMAND=/bin/sh"};

std::string pick(std::mt19937& rng, const char* const* list, size_t n) { return list[rng() % n]; }
#define PICK(list) pick(rng, list, sizeof(list) / sizeof(list[0]))

std::string quoted(const std::string& s) { return "'" + s + "'"; }

std::string randomItem(std::mt19937& rng) {
  switch (rng() % 12) {
    case 0: return "user.name: " + quoted(PICK(kUsers));
    case 1: {  // a prefix of whole characters
      std::string u = PICK(kUsers);
      size_t n = std::min<size_t>(2, u.size());
      while (n < u.size() && (static_cast<unsigned char>(u[n]) & 0xC0) == 0x80) ++n;
      return "user.name|contains: " + quoted(u.substr(0, n));
    }
    case 2: return "user.name|startswith: [" + quoted(PICK(kUsers)) + ", " + quoted(PICK(kUsers)) + "]";
    case 3: return "user.name|endswith: " + quoted(std::string(1, "tnbe1"[rng() % 5]));
    case 4: return "user.name|re: '^[a-c].*'";
    case 5: return "source.ip|cidr: [10.0.0.0/8, '2001:db8::/32']";
    case 6: return "source.port|gt: " + std::to_string(rng() % 2000);
    case 7: return "source.port|lte: " + std::to_string(rng() % 2000);
    case 8: return std::string("user.name|exists: ") + (rng() % 2 ? "true" : "false");
    case 9: return rng() % 2 ? "source.ip: null" : "user.name|cased: " + quoted(PICK(kUsers));
    case 10: return "message|contains|all: [" + quoted(PICK(kWords)) + ", " + quoted(PICK(kWords)) + "]";
    default: return "host: " + quoted(std::string("host-") + std::to_string(rng() % 4) + (rng() % 2 ? "*" : ""));
  }
}

// Logsources the pipelines below route (by app list, by an absent vendor, by two fields) or not.
const char* kLogsources[] = {"", "logsource: {product: linux, service: sshd}\n", "logsource: {product: linux}\n",
                             "logsource: {product: fw}\n", "logsource: {product: windows}\n"};
const char* kPipelines = R"(name: sshd
logsource: {product: linux, service: sshd}
route: {app: [sshd, su]}
---
name: linux
logsource: {product: linux}
route: {observer.vendor: null}
---
name: fw
logsource: {product: fw}
route: {observer.vendor: [Fortinet, ~], host: [host-1, HOST-2]}
)";

std::string randomRule(std::mt19937& rng, int id) {
  const size_t logsource = rng() % (sizeof(kLogsources) / sizeof(kLogsources[0]));
  std::string out = "title: gen\nid: gen-" + std::to_string(id) + "\n" + kLogsources[logsource] + "detection:\n";
  for (int s = 1; s <= 3; ++s) {
    out += "  sel" + std::to_string(s) + ":\n";
    if (rng() % 4 == 0) {
      out += "    - " + quoted(PICK(kWords)) + "\n    - " + quoted(PICK(kWords)) + "\n";
    } else if (rng() % 3 == 0) {
      out += "    - " + randomItem(rng) + "\n    - " + randomItem(rng) + "\n";
    } else {
      int items = 1 + rng() % 2;
      std::set<std::string> used;
      for (int i = 0; i < items; ++i) {
        std::string item = randomItem(rng);
        if (used.insert(item.substr(0, item.find(':'))).second) out += "    " + item + "\n";
      }
    }
  }
  const char* conditions[] = {"sel1", "sel1 and sel2", "sel1 or sel2 and sel3", "1 of sel*",
                              "all of them", "sel1 and not sel2", "not sel3",
                              "(sel1 or sel2) and not sel3", "1 of them and not (sel2 and sel3)"};
  std::string condition = conditions[rng() % (sizeof(conditions) / sizeof(conditions[0]))];
  if (logsource == 3) {  // a field only fw rules test: read only for events their route lets in
    out += "  fwsel:\n    fw.action|startswith: " + std::string(rng() % 2 ? "de" : "al") + "\n";
    condition = "(" + condition + ") or fwsel";
  }
  out += "  condition: " + condition + "\n";
  return out;
}

Event randomEvent(std::mt19937& rng) {
  json f = json::object();
  if (rng() % 5) f["user.name"] = PICK(kUsers);
  if (rng() % 4) f["source.ip"] = PICK(kIps);
  if (rng() % 3 == 0) f["source.port"] = static_cast<int>(rng() % 2000);
  else if (rng() % 3 == 0) f["source.port"] = std::to_string(rng() % 2000);
  std::string msg;
  for (int i = 0, n = rng() % 4; i < n; ++i) msg += PICK(kWords) + std::string(" ");
  Event e = event(std::move(f), msg);
  e.host = "HOST-" + std::to_string(rng() % 5);
  const char* apps[] = {"sshd", "su", "nginx", ""};
  e.app = PICK(apps);
  if (rng() % 3 == 0) e.fields["observer.vendor"] = rng() % 2 ? "Fortinet" : "fortinet";
  if (rng() % 2 == 0) e.fields["fw.action"] = rng() % 2 ? "deny" : "allow";
  return e;
}

TEST(RuleSetDifferentialTest, SetPathAgreesWithNaiveEvaluation) {
  std::mt19937 rng(20261123);
  std::string file;
  const int kRules = 300;
  for (int i = 0; i < kRules; ++i) file += (i ? "---\n" : "") + randomRule(rng, i);
  auto pipelines = readPipelineText(kPipelines, "p.yaml");
  ASSERT_TRUE(pipelines.errors.empty());
  auto set = compileText(file, pipelines.pipelines);
  ASSERT_EQ(set.size(), static_cast<size_t>(kRules));
  auto st = set.stats();
  EXPECT_GT(st.routed_fields, 0u);  // some fields are read only inside routes, and are checked here
  EXPECT_GT(st.set_patterns, 30u);  // distinct: shared patterns are added once
  EXPECT_GT(st.exact_patterns, 10u);  // plain values take the lookup path, and are checked here
  EXPECT_LT(st.always_evaluated, static_cast<size_t>(kRules));  // the candidate path is exercised
  size_t matched = 0, events = 1000;
  for (size_t i = 0; i < events; ++i) {
    Event e = randomEvent(rng);
    auto fast = set.matchIds(e);
    auto naive = set.matchNaive(e);
    ASSERT_EQ(fast, naive) << toJson(e);
    matched += fast.size();
  }
  EXPECT_GT(matched, events);  // not a vacuous agreement
}

TEST(RuleSetDifferentialTest, ConcurrentMatchingGivesTheSameAnswers) {
  std::mt19937 rng(7);
  std::string file;
  for (int i = 0; i < 100; ++i) file += (i ? "---\n" : "") + randomRule(rng, i);
  auto set = compileText(file);
  std::vector<Event> events;
  for (int i = 0; i < 200; ++i) events.push_back(randomEvent(rng));
  std::vector<std::vector<std::string>> expected;
  for (const auto& e : events) expected.push_back(set.matchIds(e));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round)
        for (size_t i = 0; i < events.size(); ++i)
          if (set.matchIds(events[(i + t * 37) % events.size()]) != expected[(i + t * 37) % events.size()])
            ++mismatches[t];
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace hinomi::rules
