// Decoder files: every mistake reported with FILE:LINE:COL, and what a loaded decoder does.
#include "correlator/decoders/decoder_loader.h"

#include <random>

#include <gtest/gtest.h>
#include <re2/re2.h>

#include "tests/testing/temp_dir.h"

namespace hinomi::correlator {
namespace {

DecoderLoad load(const std::string& text) {
  DecoderLoader loader;
  loader.addText(text, "d.yaml");
  return std::move(loader).finish();
}

Event event(std::string app, std::string message) {
  Event e;
  e.app = std::move(app);
  e.message = std::move(message);
  return e;
}

TEST(DecoderLoaderTest, BadYamlIsOneLocatedError) {
  auto l = load("decoders:\n  - name: x\n    patterns: ['a'\n");
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_EQ(l.errors[0].location.file, "d.yaml");
  EXPECT_NE(l.errors[0].toString().find("d.yaml:4:1: error: YAML syntax"), std::string::npos) << l.errorText();
}

TEST(DecoderLoaderTest, EveryMistakeIsReportedWithItsLocation) {
  auto l = load(
      "decoders:\n"
      "  - name: a\n"
      "    app: sshd\n"
      "    patterns:\n"
      "      - 'Failed (?P<user_name>\\S+'\n"          // bad re2
      "    types: {user.name: ipv4}\n"                 // unknown type
      "  - app: sshd\n"                                // no name
      "    patterns: ['x']\n"
      "  - name: b\n"
      "    app: su\n"
      "    patern: ['x']\n"                            // misspelt key
      "  - name: a\n"                                  // duplicate name
      "    app: sudo\n");
  EXPECT_EQ(l.errorText(),
            "d.yaml:5:9: error: decoder 'a'.patterns[0]: invalid regular expression: missing ): Failed (?P<user_name>\\S+\n"
            "d.yaml:6:24: error: decoder 'a'.types.user.name: unknown type 'ipv4' (known: string, ip, int, timestamp)\n"
            "d.yaml:7:5: error: decoders[1]: has no 'name'\n"
            "d.yaml:11:5: error: decoders[2]: unknown key 'patern' (did you mean 'patterns'?)\n"
            "d.yaml:12:11: error: decoder 'a' is already defined at d.yaml:2\n");
}

TEST(DecoderLoaderTest, BadPrefilterAndGroupNamesAreRefused) {
  auto l = load(
      "decoders:\n"
      "  - name: a\n"
      "    prefilter_regex: '('\n"
      "    patterns: ['(?P<_x>a)']\n"
      "    map: {'@nothing': x}\n");
  ASSERT_EQ(l.errors.size(), 3u) << l.errorText();
  EXPECT_EQ(l.errors[0].toString(),
            "d.yaml:3:22: error: decoder 'a'.prefilter_regex: invalid regular expression: missing ): (");
  EXPECT_EQ(l.errors[1].location.line, 4);
  EXPECT_EQ(l.errors[2].location.line, 5);
}

TEST(DecoderLoaderTest, MissingDirectoryIsAnError) {
  auto l = loadDecoderDirectories({"/nonexistent/decoders"});
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_EQ(l.errors[0].toString(), "/nonexistent/decoders:1:1: error: not a directory of decoders");
}

TEST(DecoderLoaderTest, DirectoryFilesLoadInNameOrderAndOrderSortsStably) {
  testing::TempDir dir;
  dir.write("b.yaml", "decoders:\n  - {name: second, app: x, fields: {b: 1}}\n  - {name: first, order: 5, app: x}\n");
  dir.write("a.yml", "decoders:\n  - {name: third, app: x, fields: {b: 2}}\n");
  dir.write("notes.txt", "not a decoder");
  auto l = loadDecoderDirectories({dir.path().string()});
  ASSERT_TRUE(l.ok()) << l.errorText();
  Event e = event("x", "m");
  EXPECT_TRUE(l.set.decode(e));
  EXPECT_EQ(e.decoder, "first,third,second");
  EXPECT_EQ(e.fields["b"], 1);  // the later decoder wins
}

// Decoders are looked up by the event's app: the ones naming it, matching it by regex or naming no
// app apply, in their order, and a decoder naming other apps never does.
TEST(DecoderSetTest, SelectionByAppKeepsOrderAcrossListedRegexAndUnrestrictedDecoders) {
  auto l = load(
      "decoders:\n"
      "  - {name: any, order: 1, prefilter: m, fields: {a: 1}}\n"
      "  - {name: listed, order: 2, app: [sshd, sudo], fields: {b: 1}}\n"
      "  - {name: regex, order: 3, app: other, app_regex: '^ss', fields: {c: 1}}\n"
      "  - {name: elsewhere, order: 4, app: cron, fields: {d: 1}}\n");
  ASSERT_TRUE(l.ok()) << l.errorText();
  Event sshd = event("sshd", "m");
  EXPECT_TRUE(l.set.decode(sshd));
  EXPECT_EQ(sshd.decoder, "any,listed,regex");
  Event ssl = event("sslh", "m");  // listed nowhere: only the regex and the unrestricted one
  EXPECT_TRUE(l.set.decode(ssl));
  EXPECT_EQ(ssl.decoder, "any,regex");
  Event other = event("other", "m");
  EXPECT_TRUE(l.set.decode(other));
  EXPECT_EQ(other.decoder, "any,regex");
  Event cron = event("cron", "x");  // prefilter m misses
  EXPECT_TRUE(l.set.decode(cron));
  EXPECT_EQ(cron.decoder, "elsewhere");
  EXPECT_FALSE(cron.fields.contains("a"));
  Event none = event("ntpd", "x");
  EXPECT_FALSE(l.set.decode(none));
  EXPECT_EQ(none.decoder, "");
}

TEST(DecoderSetTest, GroupNamesBecomeDottedFieldsAndTypesConvert) {
  auto l = load(
      "decoders:\n"
      "  - name: t\n"
      "    app: [t, t2]\n"
      "    prefilter: from\n"
      "    patterns:\n"
      "      - regex: 'from (?P<source_ip>\\S+) port (?P<source_port>\\S+) agent (?P<user__agent_original>\\S+)'\n"
      "        fields: {event.outcome: failure}\n"
      "    fields: {event.action: test, event.severity: 3, quoted: '3'}\n"
      "    types: {source.ip: ip, source.port: int}\n");
  ASSERT_TRUE(l.ok()) << l.errorText();
  Event e = event("t2", "login from ::FFFF:192.0.2.1 port 22 agent curl");
  ASSERT_TRUE(l.set.decode(e));
  EXPECT_EQ(e.decoder, "t");
  EXPECT_EQ(e.fields["source.ip"], "192.0.2.1");
  EXPECT_EQ(e.fields["source.port"], 22);
  EXPECT_EQ(e.fields["user_agent.original"], "curl");
  EXPECT_EQ(e.fields["event.outcome"], "failure");
  EXPECT_EQ(e.fields["event.severity"], 3);
  EXPECT_EQ(e.fields["quoted"], "3");
  EXPECT_FALSE(e.fields.contains("hinomi.decode_errors"));

  // A value that fails its type is kept as text and flagged.
  Event bad = event("t", "login from somehost port 2x agent a");
  ASSERT_TRUE(l.set.decode(bad));
  EXPECT_EQ(bad.fields["source.ip"], "somehost");
  EXPECT_EQ(bad.fields["source.port"], "2x");
  EXPECT_EQ(bad.fields["hinomi.decode_errors"].toJson(), nlohmann::json({"source.ip", "source.port"}));

  // Not selected: another app, or the prefilter is missing.
  Event other = event("u", "login from 1.2.3.4 port 1 agent a");
  EXPECT_FALSE(l.set.decode(other));
  EXPECT_EQ(other.decoder, "");
  Event no_prefilter = event("t", "nothing here");
  EXPECT_FALSE(l.set.decode(no_prefilter));
}

TEST(DecoderSetTest, MapAndRenameWithoutRegex) {
  auto l = load(
      "decoders:\n"
      "  - name: j\n"
      "    has_fields: [src_ip]\n"
      "    map: {src_ip: source.ip, '@host': observer.name}\n"
      "    rename: {dest_port: destination.port}\n"
      "    types: {source.ip: ip, destination.port: int}\n");
  ASSERT_TRUE(l.ok()) << l.errorText();
  Event e;
  e.host = "ids1";
  e.fields = {{"src_ip", "2001:DB8::1"}, {"dest_port", "443"}};
  ASSERT_TRUE(l.set.decode(e));
  EXPECT_EQ(e.fields["source.ip"], "2001:db8::1");
  EXPECT_EQ(e.fields["src_ip"], "2001:DB8::1");
  EXPECT_EQ(e.fields["destination.port"], 443);
  EXPECT_FALSE(e.fields.contains("dest_port"));
  EXPECT_EQ(e.fields["observer.name"], "ids1");
}

TEST(DecoderSetTest, FirstMatchingPatternWinsAndFieldSelectsTheText) {
  auto l = load(
      "decoders:\n"
      "  - name: f\n"
      "    field: kind\n"
      "    patterns:\n"
      "      - regex: '^deny$'\n"
      "        fields: {event.outcome: failure}\n"
      "      - regex: '^d'\n"
      "        fields: {event.outcome: other}\n");
  ASSERT_TRUE(l.ok()) << l.errorText();
  Event e;
  e.fields = {{"kind", "deny"}};
  ASSERT_TRUE(l.set.decode(e));
  EXPECT_EQ(e.fields["event.outcome"], "failure");
  Event none;
  EXPECT_FALSE(l.set.decode(none));
}

TEST(DecoderSetTest, AnchoredPatternSetsMatchAsTheirRegexesDo) {
  EXPECT_TRUE(anchoredAtStart("^Failed (?P<m>\\S+) for"));
  EXPECT_TRUE(anchoredAtStart("\\Aa(b|c)"));
  EXPECT_TRUE(anchoredAtStart("^[|(]x[[:alpha:]|]"));  // | and ( inside classes are members
  EXPECT_TRUE(anchoredAtStart("^[]|]"));
  EXPECT_TRUE(anchoredAtStart("^a\\|b"));
  EXPECT_FALSE(anchoredAtStart("^a|b"));                // a top-level alternative is not anchored
  EXPECT_FALSE(anchoredAtStart("(?:^a)|b"));
  EXPECT_FALSE(anchoredAtStart("a^"));
  EXPECT_FALSE(anchoredAtStart("^*a"));
  EXPECT_FALSE(anchoredAtStart("(?i)^a"));              // unsure: treated as unanchored
  // Two decoders, one whose patterns are all anchored and one with a top-level alternative: both
  // find their pattern wherever their regexes would.
  auto l = load(
      "decoders:\n"
      "  - name: anchored\n"
      "    patterns:\n"
      "      - regex: '^alpha (?P<a>\\S+)'\n"
      "      - regex: '^beta (?P<b>\\S+)'\n"
      "  - name: loose\n"
      "    patterns:\n"
      "      - regex: '^gamma (?P<c>\\S+)|delta (?P<d>\\S+)'\n"
      "      - regex: '^epsilon'\n");
  ASSERT_TRUE(l.ok()) << l.errorText();
  Event beta = event("x", "beta one");
  ASSERT_TRUE(l.set.decode(beta));
  EXPECT_EQ(beta.fields["b"], "one");
  EXPECT_EQ(beta.decoder, "anchored");
  Event inside = event("x", "not beta one");
  EXPECT_FALSE(l.set.decode(inside));
  Event delta = event("x", "the delta two");
  ASSERT_TRUE(l.set.decode(delta));
  EXPECT_EQ(delta.fields["d"], "two");
  EXPECT_EQ(delta.decoder, "loose");
}

// A text whose first byte no anchored pattern of a decoder can start with skips that decoder's
// patterns (RE2::PossibleMatchRange): whatever the text, the result is what the regexes say.
TEST(DecoderSetTest, FirstByteSkipAgreesWithTheRegexes) {
  const std::vector<std::string> patterns = {"^(?i)pam (?P<a>\\w+)", "^(?:x: )?yes (?P<b>\\w+)", "^\\s*zed (?P<c>\\w+)",
                                             "^(?P<d>é+)", "^(?P<e>Q)?"};
  std::string yaml = "decoders:\n  - name: many\n    patterns:\n";
  for (size_t i = 0; i < 4; ++i) yaml += "      - regex: '" + patterns[i] + "'\n";
  yaml += "  - name: one\n    patterns: ['^(?i)pam (?P<a>\\w+)']\n";
  yaml += "  - name: empty\n    patterns: ['^(?P<e>Q)?']\n";  // matches every text (empty match)
  auto l = load(yaml);
  ASSERT_TRUE(l.ok()) << l.errorText();
  const std::vector<std::string> words = {"pam", "PAM", "x: ", "yes", "zed", " ", "\t", "é", "Q", "one", "x", "y", ""};
  std::mt19937 rng(6);
  std::vector<std::unique_ptr<RE2>> compiled;
  for (const auto& p : patterns) compiled.push_back(std::make_unique<RE2>(p));
  int many = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    for (int w = 0, n = 1 + int(rng() % 4); w < n; ++w) text += words[rng() % words.size()] + (rng() % 2 ? " " : "");
    std::string expected = "empty";
    bool one = RE2::PartialMatch(text, *compiled[0]);
    bool any = false;
    for (size_t p = 0; p < 4; ++p) any = any || RE2::PartialMatch(text, *compiled[p]);
    if (one) expected = "one," + expected;
    if (any) expected = "many," + expected;
    many += any;
    Event e = event("x", text);
    ASSERT_TRUE(l.set.decode(e));
    ASSERT_EQ(e.decoder, expected) << "'" << text << "'";
  }
  EXPECT_GT(many, 300);  // not a vacuous agreement
}

// Patterns over the app are matched once per app and thread and remembered; what an event gets
// is still what its own app, fields and message say.
TEST(DecoderSetTest, AppPatternsRememberedPerAppGiveEachEventItsOwnFields) {
  auto l = load(
      "decoders:\n"
      "  - name: tag\n"
      "    field: '@app'\n"
      "    patterns:\n"
      "      - regex: '^(?P<process_name>[a-z]+)(?:\\[(?P<process_pid>\\d+)\\])?'\n"
      "      - regex: '^%(?P<vendor>[A-Z]+)-'\n"
      "  - name: needs\n"
      "    field: '@app'\n"
      "    has_fields: [marker]\n"
      "    patterns: ['^(?P<also>[a-z]+)']\n");
  ASSERT_TRUE(l.ok()) << l.errorText();
  for (int round = 0; round < 3; ++round) {  // the second and third rounds read the remembered matches
    Event a = event("sshd[42]", "one");
    ASSERT_TRUE(l.set.decode(a));
    EXPECT_EQ(a.decoder, "tag");
    EXPECT_EQ(a.fields["process.name"], "sshd");
    EXPECT_EQ(a.fields["process.pid"], "42");
    Event b = event("cron", "two");
    b.fields["marker"] = true;
    ASSERT_TRUE(l.set.decode(b));
    EXPECT_EQ(b.decoder, "tag,needs");
    EXPECT_EQ(b.fields["process.name"], "cron");
    EXPECT_FALSE(b.fields.contains("process.pid"));  // the optional group took no part
    EXPECT_EQ(b.fields["also"], "cron");
    Event c = event("cron", "three");  // the same app without the required field
    ASSERT_TRUE(l.set.decode(c));
    EXPECT_EQ(c.decoder, "tag");
    EXPECT_FALSE(c.fields.contains("also"));
    Event d = event("%ASA-6-302013", "four");
    ASSERT_TRUE(l.set.decode(d));
    EXPECT_EQ(d.fields["vendor"], "ASA");
    Event e = event("9lives", "five");  // no pattern matches
    EXPECT_FALSE(l.set.decode(e));
  }
}

}  // namespace
}  // namespace hinomi::correlator
