// Every value modifier, positive and negative, through the whole path (reader → RuleSet).
#include <gtest/gtest.h>

#include "common/text.h"
#include "correlator/rules/value_modifiers.h"
#include "tests/unit/correlator/rules/rules_test_util.h"

namespace hinomi::rules {
namespace {

using test::compileDetection;
using test::event;
using test::matches;
using json = nlohmann::json;

bool userMatches(const std::string& item, const std::string& user) {
  auto set = compileDetection("  sel:\n    " + item + "\n  condition: sel\n");
  return matches(set, event(json{{"user.name", user}}));
}

TEST(ValueModifiersTest, PlainValuesAreWholeAndCaseInsensitive) {
  EXPECT_TRUE(userMatches("user.name: Admin", "admin"));
  EXPECT_TRUE(userMatches("user.name: admin", "ADMIN"));
  EXPECT_FALSE(userMatches("user.name: admin", "admin2"));
  EXPECT_FALSE(userMatches("user.name: admin", "xadmin"));
  EXPECT_FALSE(userMatches("user.name|cased: Admin", "admin"));
  EXPECT_TRUE(userMatches("user.name|cased: Admin", "Admin"));
}

TEST(ValueModifiersTest, WildcardsAndEscapes) {
  EXPECT_TRUE(userMatches("user.name: 'adm*'", "administrator"));
  EXPECT_TRUE(userMatches("user.name: 'a?min'", "aXmin"));
  EXPECT_FALSE(userMatches("user.name: 'a?min'", "amin"));
  EXPECT_TRUE(userMatches(R"(user.name: 'a\*b')", "a*b"));
  EXPECT_FALSE(userMatches(R"(user.name: 'a\*b')", "axxb"));
  EXPECT_TRUE(userMatches(R"(user.name: 'a\?b')", "a?b"));
  EXPECT_FALSE(userMatches(R"(user.name: 'a\?b')", "axb"));
  EXPECT_TRUE(userMatches(R"(user.name: 'a\\b')", "a\\b"));          // \\ is one backslash
  EXPECT_TRUE(userMatches(R"(user.name: 'C:\Windows\System32*')", "c:\\windows\\system32\\cmd.exe"));  // lone \ is literal
  EXPECT_TRUE(userMatches(R"(user.name: 'C:\Windows\*')", "c:\\windows*"));  // \* is a literal star
  EXPECT_FALSE(userMatches(R"(user.name: 'C:\Windows\*')", "c:\\windows\\x"));
  EXPECT_TRUE(userMatches("user.name: 'a.b(c)'", "A.B(C)"));             // regex syntax is literal
  EXPECT_FALSE(userMatches("user.name: 'a.b'", "axb"));
  EXPECT_EQ(wildcardToRegex(R"(x\*y*z?)", false), R"(x\*y.*z.)");
  // Plain text is reported as such (escapes undone) so the matcher can look it up.
  std::optional<std::string> plain;
  wildcardToRegex(R"(C:\Windows\* a.b)", false, &plain);
  EXPECT_EQ(plain, std::optional<std::string>(R"(C:\Windows* a.b)"));
  wildcardToRegex("a*b", false, &plain);
  EXPECT_FALSE(plain.has_value());
  wildcardToRegex("x -y", true, &plain);  // windash widens the dash: not plain
  EXPECT_FALSE(plain.has_value());
  wildcardToRegex("x -y", false, &plain);
  EXPECT_EQ(plain, std::optional<std::string>("x -y"));
}

TEST(ValueModifiersTest, ContainsStartswithEndswith) {
  EXPECT_TRUE(userMatches("user.name|contains: MIN", "xadminx"));
  EXPECT_FALSE(userMatches("user.name|contains: root", "xadminx"));
  EXPECT_TRUE(userMatches("user.name|startswith: adm", "Administrator"));
  EXPECT_FALSE(userMatches("user.name|startswith: min", "admin"));
  EXPECT_TRUE(userMatches("user.name|endswith: TOR", "administrator"));
  EXPECT_FALSE(userMatches("user.name|endswith: adm", "administrator"));
  EXPECT_TRUE(userMatches("user.name|contains: 'a*n'", "xxadmxnxx"));
}

TEST(ValueModifiersTest, ListsAreOrAndAllIsAnd) {
  EXPECT_TRUE(userMatches("user.name: [alice, bob]", "bob"));
  EXPECT_FALSE(userMatches("user.name: [alice, bob]", "carol"));
  EXPECT_TRUE(userMatches("user.name|contains|all: [ad, in]", "admin"));
  EXPECT_FALSE(userMatches("user.name|contains|all: [ad, xx]", "admin"));
}

TEST(ValueModifiersTest, RegexIsCaseSensitiveUnlessI) {
  EXPECT_TRUE(userMatches("user.name|re: 'ad.i'", "xxadmin"));  // a search, not anchored
  EXPECT_FALSE(userMatches("user.name|re: '^ad.i$'", "xxadmin"));
  EXPECT_FALSE(userMatches("user.name|re: 'ADMIN'", "admin"));
  EXPECT_TRUE(userMatches("user.name|re|i: 'ADMIN'", "admin"));
  EXPECT_FALSE(userMatches("user.name|re: '^b'", "a\nb"));
  EXPECT_TRUE(userMatches("user.name|re|m: '^b'", "a\nb"));
  EXPECT_FALSE(userMatches("user.name|re: 'a.b'", "a\nb"));
  EXPECT_TRUE(userMatches("user.name|re|s: 'a.b'", "a\nb"));
}

TEST(ValueModifiersTest, CidrV4V6AndMapped) {
  auto ip = [](const std::string& net, const std::string& addr) {
    auto set = compileDetection("  sel:\n    source.ip|cidr: '" + net + "'\n  condition: sel\n");
    return matches(set, event(json{{"source.ip", addr}}));
  };
  EXPECT_TRUE(ip("10.0.0.0/8", "10.200.1.2"));
  EXPECT_FALSE(ip("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(ip("192.168.1.0/24", "::ffff:192.168.1.9"));
  EXPECT_TRUE(ip("2001:db8::/32", "2001:DB8:1::5"));
  EXPECT_FALSE(ip("2001:db8::/32", "2001:db9::5"));
  EXPECT_FALSE(ip("10.0.0.0/8", "not an ip"));
  EXPECT_TRUE(ip("203.0.113.7", "203.0.113.7"));
  EXPECT_FALSE(ip("203.0.113.7", "203.0.113.8"));
}

TEST(ValueModifiersTest, Windash) {
  auto cmd = [](const std::string& line) {
    auto set = compileDetection("  sel:\n    process.command_line|windash|contains: ' -enc '\n  condition: sel\n");
    return matches(set, event(json{{"process.command_line", line}}));
  };
  EXPECT_TRUE(cmd("powershell -enc AAA"));
  EXPECT_TRUE(cmd("powershell /enc AAA"));
  EXPECT_TRUE(cmd("powershell \u2013enc AAA"));
  EXPECT_TRUE(cmd("powershell \u2015enc AAA"));
  EXPECT_FALSE(cmd("powershell +enc AAA"));
}

TEST(ValueModifiersTest, Base64AndBase64Offset) {
  auto msg = [](const std::string& item, const std::string& m) {
    auto set = compileDetection("  sel:\n    " + item + "\n  condition: sel\n");
    return matches(set, event(json::object(), m));
  };
  for (std::string prefix : {"", "a", "ab", "abc"}) {
    std::string encoded = base64Encode(prefix + "http://evil.example/x");
    EXPECT_TRUE(msg("message|base64offset|contains: 'http://'", "cmd " + encoded + " end")) << prefix;
  }
  EXPECT_FALSE(msg("message|base64offset|contains: 'http://'", base64Encode("https-nothing")));
  EXPECT_EQ(base64Offsets("/bin/bash"), (std::vector<std::string>{"L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"}));
  EXPECT_TRUE(msg("message|base64: 'root'", base64Encode("root")));
  EXPECT_FALSE(msg("message|base64: 'root'", "cm9vdA"));  // base64 is exact bytes
}

TEST(ValueModifiersTest, ExistsAndNull) {
  auto set = compileDetection("  sel:\n    user.name|exists: true\n  condition: sel\n");
  EXPECT_TRUE(matches(set, event(json{{"user.name", "x"}})));
  EXPECT_FALSE(matches(set, event(json{{"other", "x"}})));
  set = compileDetection("  sel:\n    user.name|exists: false\n  condition: sel\n");
  EXPECT_TRUE(matches(set, event(json{{"other", "x"}})));
  EXPECT_FALSE(matches(set, event(json{{"user.name", "x"}})));
  set = compileDetection("  sel:\n    user.name: null\n  condition: sel\n");
  EXPECT_TRUE(matches(set, event(json::object())));
  EXPECT_TRUE(matches(set, event(json{{"user.name", ""}})));
  EXPECT_FALSE(matches(set, event(json{{"user.name", "x"}})));
}

TEST(ValueModifiersTest, Fieldref) {
  auto set = compileDetection("  sel:\n    user.name|fieldref: user.target.name\n  condition: sel\n");
  EXPECT_TRUE(matches(set, event(json{{"user.name", "Root"}, {"user.target.name", "root"}})));
  EXPECT_FALSE(matches(set, event(json{{"user.name", "alice"}, {"user.target.name", "root"}})));
  EXPECT_FALSE(matches(set, event(json{{"user.name", "alice"}})));
}

TEST(ValueModifiersTest, NumbersCompareAsNumbers) {
  auto port = [](const std::string& item, json value) {
    auto set = compileDetection("  sel:\n    " + item + "\n  condition: sel\n");
    return matches(set, event(json{{"source.port", value}}));
  };
  EXPECT_TRUE(port("source.port: 22", 22));
  EXPECT_TRUE(port("source.port: 22", "22"));
  EXPECT_FALSE(port("source.port: 22", 222));
  EXPECT_TRUE(port("source.port|lt: 1024", 22));
  EXPECT_TRUE(port("source.port|lt: 1024", "22"));   // numeric text counts
  EXPECT_FALSE(port("source.port|lt: 1024", 1024));
  EXPECT_TRUE(port("source.port|lte: 1024", 1024));
  EXPECT_TRUE(port("source.port|gt: 1024", 65535));
  EXPECT_FALSE(port("source.port|gt: 1024", 80));
  EXPECT_TRUE(port("source.port|gte: 80", 80.0));
  EXPECT_FALSE(port("source.port|gte: 80", "eighty"));
  EXPECT_TRUE(port("source.port|gt: 9", 10));         // not text order
}

TEST(ValueModifiersTest, KeywordsSearchTheMessage) {
  auto set = compileDetection("  keywords:\n    - 'failed password'\n    - 'invalid user'\n  condition: keywords\n");
  EXPECT_TRUE(matches(set, event(json::object(), "sshd: Failed password for root")));
  EXPECT_TRUE(matches(set, event(json::object(), "Invalid user x")));
  EXPECT_FALSE(matches(set, event(json::object(), "Accepted password for root")));
}

TEST(ValueModifiersTest, TopLevelMembersAreFields) {
  auto set = compileDetection("  sel:\n    hostname: 'web-*'\n    app: sshd\n    tenant: city-a\n  condition: sel\n");
  Event e = event(json::object());
  e.host = "WEB-01";
  e.app = "sshd";
  e.tenant = "city-a";
  EXPECT_TRUE(matches(set, e));
  e.tenant = "city-b";
  EXPECT_FALSE(matches(set, e));
}

TEST(ValueModifiersTest, UnsupportedModifiersAreRefused) {
  for (std::string item : {"f|utf16le|base64offset|contains: x", "f|expand: '%x%'", "f|nope: x",
                           "f|re|contains: x", "f|i: x", "f|base64offset: x", "f|cidr: 10.0.0.0/33",
                           "f|lt: abc", "f|exists: maybe", "f|re: '(?=x)'", "f|contains|startswith: x"}) {
    auto read = readSigmaText("title: t\nid: r\ndetection:\n  sel:\n    " + item + "\n  condition: sel\n", "x.yml");
    EXPECT_TRUE(read.rules.empty()) << item;
    ASSERT_EQ(read.errors.size(), 1u) << item;
    EXPECT_EQ(read.errors[0].location.line, 5) << item;
  }
}

}  // namespace
}  // namespace hinomi::rules
