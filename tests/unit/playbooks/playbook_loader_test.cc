// Playbook files: what a valid one becomes, every error at its FILE:LINE:COL, warnings, selection,
// and the eight shipped playbooks.
#include <gtest/gtest.h>

#include "playbooks/playbook_loader.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::playbooks {
namespace {

const char* kGood = R"(playbook: pb9
title: テスト
title_en: Test
match: {tags: [hinomi.playbook.pb9], levels: [critical, high]}
case: {group_by: [host.name], window: 2h}
contacts: [csirt, ciso]
report:
  - {id: occurred, label: 発生日時, from: case.first_ts}
  - {id: status, label: 状況}
steps:
  - {id: tell, phase: 連絡, kind: notify, to: [csirt], channels: [email], subject: "[{{incident.level}}] {{fields.host.name}}"}
  - {id: chase, phase: 連絡, kind: escalate, to: [chief_security_officer], then: [ciso]}
  - {id: keep, phase: 証拠保全, kind: evidence, before: 24h}
  - {id: ok, phase: 被害拡大の防止, kind: approval, role: chief_security_officer, timeout: 30m, on_timeout: escalate}
  - id: isolate
    phase: 被害拡大の防止
    kind: action
    after: [ok]
    target: "{{fields.host.name}}"
    program: {argv: [/usr/local/libexec/isolate, --host, "{{fields.host.name}}"], env: {MODE: strict}}
  - id: block
    phase: 被害拡大の防止
    kind: action
    after: [isolate]
    target: "{{fields.source.ip}}"
    timeout: 10s
    http: {method: POST, url: "${env:FW}/block", headers: {X-Case: "{{case.id}}"}, body: {ip: "{{fields.source.ip}}", n: [1, 2]}}
  - {id: check, phase: 復旧, kind: manual, text: 確認する, text_en: Check}
  - {id: report, phase: 再発防止, kind: report}
recurrence_prevention:
  - {id: cause, label: 原因}
  - {id: review, label: 見直し, required: false}
)";

TEST(PlaybookLoaderTest, AValidFileBecomesAPlaybook) {
  auto load = readPlaybookText(kGood, "pb9.yaml");
  for (const auto& e : load.errors) ADD_FAILURE() << e.toString();
  EXPECT_TRUE(load.warnings.empty()) << load.warnings[0].message;
  ASSERT_EQ(load.playbooks.size(), 1u);
  const Playbook& p = load.playbooks[0];
  EXPECT_EQ(p.id, "pb9");
  EXPECT_EQ(p.window_secs, 7200);
  EXPECT_EQ(p.group_by, std::vector<std::string>{"host.name"});
  ASSERT_EQ(p.steps.size(), 8u);
  EXPECT_EQ(p.steps[0].kind, StepKind::kNotify);
  EXPECT_EQ(p.steps[1].then, std::vector<std::string>{"ciso"});
  EXPECT_EQ(p.steps[2].before_secs, 86400);
  EXPECT_EQ(p.steps[3].timeout_secs, 1800);
  EXPECT_EQ(p.steps[3].on_timeout, "escalate");
  ASSERT_TRUE(p.steps[4].program.has_value());
  EXPECT_EQ(p.steps[4].program->argv.size(), 3u);
  EXPECT_EQ(p.steps[4].timeout_secs, 30);  // the default
  ASSERT_TRUE(p.steps[5].http.has_value());
  EXPECT_EQ(p.steps[5].http->body["n"], nlohmann::json::array({"1", "2"}));
  EXPECT_EQ(p.steps[5].timeout_secs, 10);
  EXPECT_EQ(p.steps[4].location.line, 15);
  EXPECT_EQ(p.report[0].from, "case.first_ts");
  EXPECT_TRUE(p.recurrence_prevention[0].required);
  EXPECT_FALSE(p.recurrence_prevention[1].required);

  EXPECT_TRUE(p.matches({"attack.x", "hinomi.playbook.pb9"}, "high", "katsuragi"));
  EXPECT_FALSE(p.matches({"hinomi.playbook.pb9"}, "medium", "katsuragi"));  // below its levels
  EXPECT_FALSE(p.matches({"hinomi.playbook.pb1"}, "critical", "katsuragi"));
  EXPECT_EQ(load.select({"hinomi.playbook.pb9"}, "critical", "t"), &load.playbooks[0]);
  EXPECT_EQ(load.select({"hinomi.playbook.pb1"}, "critical", "t"), nullptr);
}

// Every mistake in one file, each at its line, in one pass.
TEST(PlaybookLoaderTest, EveryErrorIsReportedAtItsLine) {
  const char* bad = R"(playbook: PB 1
title: x
colour: red
match: {tags: [t], levels: [urgent]}
case: {window: soon}
contacts: [csirt, cisoo]
steps:
  - {id: a, phase: 連絡, kind: notify, to: [csirt], channels: [fax]}
  - {id: a, phase: 祈祷, kind: manual, text: x}
  - {id: b, phase: 連絡, kind: teleport}
  - {id: c, phase: 被害拡大の防止, kind: action, after: [z], target: x, program: {argv: [rm, -rf, /]}}
  - {id: d, phase: 被害拡大の防止, kind: action, target: "{{env.PATH}}", http: {url: "ftp://x"}, program: {argv: [/bin/true]}}
  - {id: e, phase: 被害拡大の防止, kind: approval, role: ciso, timeout: 0s, on_timeout: pray}
  - {id: f, phase: 連絡, kind: notify, to: [csirt], text: "not a notify key"}
recurrence_prevention:
  - {id: r, label: x, required: false}
)";
  auto load = readPlaybookText(bad, "bad.yaml");
  EXPECT_TRUE(load.playbooks.empty());
  std::vector<std::pair<int, std::string>> want = {
      {1, "is not an id"},
      {3, "unknown key 'colour'"},
      {4, "'urgent' is not one of"},
      {5, "expected a duration"},
      {6, "unknown role 'cisoo'"},
      {8, "'fax' is not one of"},
      {9, "'祈祷' is not one of"},
      {9, "the id appears twice"},
      {10, "'teleport' is not one of"},
      {11, "'z' is not a step before this one"},
      {11, "must be an absolute path"},
      {12, "placeholder '{{env.PATH}}'"},
      {12, "must start with https://"},
      {12, "not both"},
      {13, "expected a duration"},
      {13, "'pray' is not one of"},
      {14, "unknown key 'text'"},
      {16, "no item is required"},
  };
  for (const auto& [line, text] : want) {
    bool found = false;
    for (const auto& e : load.errors)
      found |= e.location.line == line && e.location.file == "bad.yaml" && e.message.find(text) != std::string::npos;
    EXPECT_TRUE(found) << "no error at line " << line << " with '" << text << "'";
  }
  for (const auto& e : load.errors) EXPECT_GT(e.location.column, 0) << e.toString();
}

TEST(PlaybookLoaderTest, RequiredPartsAndWarnings) {
  auto load = readPlaybookText("playbook: p\ntitle: t\n", "p.yaml");
  std::string all;
  for (const auto& e : load.errors) all += e.toString() + "\n";
  EXPECT_NE(all.find("'match' is required"), std::string::npos) << all;
  EXPECT_NE(all.find("'contacts' is required"), std::string::npos) << all;
  EXPECT_NE(all.find("'steps' is required"), std::string::npos) << all;
  EXPECT_NE(all.find("'recurrence_prevention' is required"), std::string::npos) << all;

  // Accepted, with warnings: an action nobody approves, and no report.
  load = readPlaybookText(
      "playbook: p\ntitle: t\nmatch: {tags: [x]}\ncontacts: [csirt]\nsteps:\n"
      "  - {id: go, phase: 被害拡大の防止, kind: action, target: x, http: {url: 'https://fw.example/block'}}\n"
      "recurrence_prevention: [{id: r, label: x}]\n",
      "p.yaml");
  EXPECT_TRUE(load.ok()) << load.errors[0].toString();
  ASSERT_EQ(load.warnings.size(), 2u);
  EXPECT_EQ(load.warnings[0].location.line, 6);
  EXPECT_NE(load.warnings[0].message.find("runs unattended"), std::string::npos);
  EXPECT_NE(load.warnings[1].message.find("no report step"), std::string::npos);

  // Not YAML at all, or not a mapping: one located error, no crash.
  EXPECT_EQ(readPlaybookText("playbook: [", "y.yaml").errors.size(), 1u);
  EXPECT_EQ(readPlaybookText("- a\n- b\n", "y.yaml").errors.size(), 1u);
}

TEST(PlaybookLoaderTest, DirectoriesAndDuplicateIds) {
  testing::TempDir dir;
  dir.write("a/one.yaml", kGood);
  dir.write("b/two.yaml", kGood);
  auto load = loadPlaybookDirectories({dir.path().string() + "/a", dir.path().string() + "/b"});
  EXPECT_EQ(load.playbooks.size(), 1u);
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_NE(load.errors[0].message.find("already defined in " + dir.path().string() + "/a/one.yaml:1"), std::string::npos)
      << load.errors[0].toString();
  EXPECT_EQ(load.files, 2);
  EXPECT_FALSE(loadPlaybookDirectories({dir.path().string() + "/none"}).ok());
  EXPECT_TRUE(loadPlaybookDirectories({dir.path().string() + "/none"}, /*missing_ok=*/true).ok());
}

// The shipped playbooks: the eight of domain.md §5, each selected by its rules' tag.
TEST(PlaybookLoaderTest, TheShippedPlaybooksLoad) {
  auto load = loadPlaybookDirectories({std::string(HINOMI_SOURCE_DIR) + "/config/playbooks"});
  for (const auto& e : load.errors) ADD_FAILURE() << e.toString();
  for (const auto& w : load.warnings) ADD_FAILURE() << "warning: " << w.location.file << ":" << w.location.line << ": " << w.message;
  ASSERT_EQ(load.playbooks.size(), 8u);
  for (int i = 1; i <= 8; ++i) {
    std::string id = "pb" + std::to_string(i);
    const Playbook* p = load.select({"hinomi.playbook." + id}, "critical", "katsuragi");
    ASSERT_NE(p, nullptr) << id;
    EXPECT_EQ(p->id, id);
    EXPECT_FALSE(p->recurrence_prevention.empty()) << id;
    EXPECT_FALSE(p->report.empty()) << id;
  }
}

}  // namespace
}  // namespace hinomi::playbooks
