// The responder end to end in `hinomi run`, through its real interfaces: an incident raised from a
// syslog line opens a case whose playbook e-mails a real SMTP server (aiosmtpd), posts a webhook
// and a chat message to a local HTTP receiver, preserves the evidence, waits at an approval gate
// that `hinomi cases approve` opens (through the running process's command inbox), then calls an
// HTTP action and runs a program with the case's idempotency key; a person marks the checklist
// step done and closes the case with its 再発防止 record; the report and the audit chain are there.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/child_process.h"
#include "tests/testing/hinomi_run.h"
#include "tests/testing/sinks.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::ChildProcess;
using testing::runProgram;
using testing::Sink;
using testing::TempDir;
using testing::readFile;

const std::string kSource = HINOMI_SOURCE_DIR;

// A tenant whose CSIRT has an e-mail address and a webhook, and a playbook for the sshd rules'
// tag (hinomi.playbook.pb3) with one step of every kind.
void writePolicy(const TempDir& dir, const std::string& hook_url) {
  std::filesystem::create_directories(dir.file("tenants"));
  std::filesystem::create_directories(dir.file("playbooks"));
  dir.write("tenants/katsuragi.yaml",
            "tenant: katsuragi\nname: 葛城市\nmodel: none\ncontacts:\n"
            "  - {role: csirt, name: CSIRT, email: csirt@katsuragi.example.lg.jp, webhook: \"" + hook_url + "/hook\"}\n"
            "  - {role: chief_security_officer, name: 統括, email: chief@katsuragi.example.lg.jp}\n"
            "acknowledge:\n  medium: {csirt: 0m, chief_security_officer: 1h}\n");
  dir.write("effect.sh",
            "#!/bin/sh\n# records one line per run: the key hinomi passed and the arguments\n"
            "printf '%s %s\\n' \"$HINOMI_IDEMPOTENCY_KEY\" \"$*\" >> \"$(dirname \"$0\")/effects.log\"\n");
  std::filesystem::permissions(dir.file("effect.sh"), std::filesystem::perms::owner_all);
  dir.write("playbooks/pbx.yaml",
            "playbook: pbx\ntitle: 不正アクセス (試験)\ntitle_en: Unauthorised access (test)\n"
            "match: {tags: [hinomi.playbook.pb3], levels: [critical, high, medium]}\ncase: {group_by: [user.name], window: 1h}\n"
            "contacts: [csirt, chief_security_officer]\n"
            "report:\n  - {id: account, label: 対象アカウント, label_en: Account, from: fields.user.name}\n"
            "  - {id: status, label: 現在の状況, label_en: Status}\n"
            "steps:\n"
            "  - {id: tell, phase: 連絡, kind: notify, to: [csirt], channels: [email, webhook, chat],"
            " subject: \"[{{incident.level}}] 不正アクセスの疑い: {{fields.user.name}}\"}\n"
            "  - {id: keep, phase: 証拠保全, kind: evidence, before: 1h}\n"
            "  - {id: gate, phase: 被害拡大の防止, kind: approval, role: chief_security_officer, timeout: 1h, on_timeout: skip}\n"
            "  - id: block\n    phase: 被害拡大の防止\n    kind: action\n    after: [gate]\n"
            "    target: \"{{fields.source.ip}}\"\n"
            "    http: {method: POST, url: \"" + hook_url + "/block\", body: {address: \"{{fields.source.ip}}\"}}\n"
            "  - id: lock\n    phase: 被害拡大の防止\n    kind: action\n    after: [gate]\n"
            "    target: \"{{fields.user.name}}\"\n"
            "    program: {argv: [" + dir.file("effect.sh") + ", --user, \"{{fields.user.name}}\"]}\n"
            "  - {id: check, phase: 復旧, kind: manual, after: [lock], text: ログオン履歴を確認する}\n"
            "  - {id: report, phase: 再発防止, kind: report, after: [check]}\n"
            "recurrence_prevention:\n  - {id: cause, label: 原因}\n  - {id: fix, label: 対策}\n");
}

std::string config(const TempDir& dir, int smtp_port) {
  return dir.write("hinomi.yaml", "data_dir: " + dir.file("data") +
                                      "\nhttp:\n  listen: 127.0.0.1:0\n"
                                      "collector:\n  listeners:\n"
                                      "    - {name: syslog-tcp, transport: tcp, listen: 127.0.0.1:0, tenant: katsuragi}\n"
                                      "correlator:\n  decoders: [" + kSource + "/config/decoders]\n"
                                      "  rules: [" + kSource + "/config/rules]\n"
                                      "tenants: [" + dir.file("tenants") + "]\n"
                                      "playbooks: [" + dir.file("playbooks") + "]\n"
                                      "responder:\n  smtp: {url: \"smtp://127.0.0.1:" + std::to_string(smtp_port) +
                                      "\", from: hinomi@soc.example.lg.jp}\n"
                                      "  never_touch: [10.0.0.0/8, administrator]\n");
}

template <typename F>
bool eventually(F f, int seconds = 30) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}


TEST(ResponderRunTest, APlaybookRunsFromSyslogToAClosedCaseThroughRealReceivers) {
  if (!testing::haveAiosmtpd()) GTEST_SKIP() << "python3-aiosmtpd is not installed (ops/install-deps.sh --test)";
  TempDir dir;
  Sink smtp(dir.file("smtp"), "smtp_sink.py");
  Sink hook(dir.file("hook"), "webhook_sink.py");
  ASSERT_GT(smtp.port(), 0) << smtp.log();
  ASSERT_GT(hook.port(), 0) << hook.log();
  writePolicy(dir, hook.url());
  const std::string cfg = config(dir, smtp.port());

  ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
  auto r = testing::waitUntilRunning(hinomi);
  ASSERT_GT(r.tcp, 0) << hinomi.stderrText();
  testing::sendSyslogTcp(r.tcp, "sshd", "Failed password for invalid user oracle from 203.0.113.9 port 50022 ssh2");

  // 連絡: one e-mail, one webhook and one chat message, each keyed by case and step.
  // 連絡 to the CSIRT, and the approver asked for the containment (e-mail: its only address).
  auto mailTo = [&](const std::string& rcpt) {
    for (const auto& m : smtp.records())
      if (m["rcpt_tos"] == nlohmann::json::array({rcpt})) return m;
    return nlohmann::json();
  };
  ASSERT_TRUE(eventually([&] {
    return !mailTo("csirt@katsuragi.example.lg.jp").is_null() && !mailTo("chief@katsuragi.example.lg.jp").is_null() &&
           hook.records().size() >= 2;
  })) << hinomi.stderrText() << smtp.log() << hook.log();
  EXPECT_EQ(testing::mailHeader(mailTo("chief@katsuragi.example.lg.jp")["data"], "Subject").rfind("[承認依頼] ", 0), 0u);
  auto mail = mailTo("csirt@katsuragi.example.lg.jp");
  EXPECT_EQ(mail["rcpt_tos"], nlohmann::json::array({"csirt@katsuragi.example.lg.jp"}));
  EXPECT_EQ(mail["mail_from"], "hinomi@soc.example.lg.jp");
  const std::string raw = mail["data"];
  EXPECT_EQ(testing::mailHeader(raw, "Subject"), "[medium] 不正アクセスの疑い: oracle");
  EXPECT_NE(testing::decodeMailBody(raw).find("組織: 葛城市"), std::string::npos) << raw;
  const std::string message_key = testing::mailHeader(raw, "X-Hinomi-Idempotency-Key");
  ASSERT_NE(message_key.find(":tell:email:csirt:0"), std::string::npos) << raw;
  const std::string case_id = message_key.substr(0, message_key.find(':'));

  auto requests = hook.records();
  std::map<std::string, nlohmann::json> by_key;
  for (const auto& q : requests) by_key[q["headers"].value("idempotency-key", "")] = q;
  ASSERT_TRUE(by_key.count(case_id + ":tell:webhook:csirt:0")) << hook.records().size();
  auto webhook = nlohmann::json::parse(by_key[case_id + ":tell:webhook:csirt:0"]["body"].get<std::string>());
  EXPECT_EQ(webhook["type"], "hinomi.notification");
  EXPECT_EQ(webhook["case"]["id"], case_id);
  EXPECT_EQ(webhook["case"]["group"], nlohmann::json({{"user.name", "oracle"}}));
  ASSERT_TRUE(by_key.count(case_id + ":tell:chat:csirt:0"));
  auto chat = nlohmann::json::parse(by_key[case_id + ":tell:chat:csirt:0"]["body"].get<std::string>());
  EXPECT_TRUE(chat.contains("blocks")) << chat.dump();  // Slack format, the default

  // Nothing is contained before the approval.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (const auto& q : hook.records()) EXPECT_NE(q["path"], "/block");
  EXPECT_FALSE(std::filesystem::exists(dir.file("effects.log")));

  auto cli = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {HINOMI_BINARY, "cases"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-c", cfg, "--user", "tanaka"});
    return runProgram(argv);
  };
  auto ack = cli({"ack", case_id});
  ASSERT_EQ(ack.exit_code, 0) << ack.out << ack.err;
  auto again = cli({"ack", case_id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already acknowledged by tanaka"), std::string::npos) << again.err;
  EXPECT_EQ(cli({"comment", case_id, "送信元は海外のVPSと判明"}).exit_code, 0);
  EXPECT_EQ(cli({"note", case_id, "status", "アカウント無効化済み"}).exit_code, 0);
  EXPECT_EQ(cli({"note", case_id, "nosuch", "x"}).exit_code, 1);
  auto wrong = cli({"approve", case_id, "gate", "--role", "csirt"});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out << wrong.err;
  EXPECT_NE(wrong.err.find("chief_security_officer"), std::string::npos) << wrong.err;
  testing::RunResult ok;
  ASSERT_TRUE(eventually([&] {
    ok = cli({"approve", case_id, "gate", "--role", "chief_security_officer", "--note", "遮断を承認"});
    return ok.exit_code == 0;
  }, 10)) << ok.out << ok.err;

  // 被害拡大の防止: the HTTP action and the program, each once, each with the case's key.
  ASSERT_TRUE(eventually([&] {
    for (const auto& q : hook.records())
      if (q["path"] == "/block") return std::filesystem::exists(dir.file("effects.log"));
    return false;
  })) << hinomi.stderrText();
  int blocks = 0;
  for (const auto& q : hook.records())
    if (q["path"] == "/block") {
      ++blocks;
      EXPECT_EQ(q["headers"]["idempotency-key"], case_id + ":block");
      EXPECT_EQ(nlohmann::json::parse(q["body"].get<std::string>()), nlohmann::json({{"address", "203.0.113.9"}}));
    }
  EXPECT_EQ(blocks, 1);
  EXPECT_EQ(readFile(dir.file("effects.log")), case_id + ":lock --user oracle\n");

  // The checklist, then closing: refused without the record, accepted with it.
  ASSERT_TRUE(eventually([&] { return cli({"done", case_id, "check", "--note", "履歴に異常なし"}).exit_code == 0; }, 10));
  auto refused = cli({"close", case_id, "--record", "cause=弱いパスワード"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("fix"), std::string::npos) << refused.err;
  auto closed = cli({"close", case_id, "--record", "cause=弱いパスワード", "--record", "fix=鍵認証に移行"});
  ASSERT_EQ(closed.exit_code, 0) << closed.out << closed.err;

  auto show = runProgram({HINOMI_BINARY, "cases", "show", case_id, "-c", cfg, "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto c = nlohmann::json::parse(show.out);
  EXPECT_EQ(c["state"], "closed");
  EXPECT_EQ(c["closed_by"], "tanaka");
  EXPECT_EQ(c["acknowledged_by"], "tanaka");
  for (const char* step : {"tell", "keep", "gate", "block", "lock", "check", "report"})
    EXPECT_EQ(c["steps"][step]["state"], "done") << step << ": " << c["steps"][step].dump();
  EXPECT_EQ(c["steps"]["gate"]["by"], "tanaka");
  EXPECT_GT(c["contained_us"].get<int64_t>(), 0);
  // 証拠保全: the raw line is in the bundle, hashed.
  const std::string manifest_path = dir.file("data/evidence/" + case_id + "/keep/manifest.json");
  auto manifest = nlohmann::json::parse(readFile(manifest_path), nullptr, false);
  ASSERT_FALSE(manifest.is_discarded()) << manifest_path;
  EXPECT_GE(manifest["count"].get<int>(), 1);
  EXPECT_NE(readFile(dir.file("data/evidence/" + case_id + "/keep/events.jsonl")).find("invalid user oracle"),
            std::string::npos);

  auto report = runProgram({HINOMI_BINARY, "cases", "report", case_id, "-c", cfg});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("不正アクセス (試験)"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("鍵認証に移行"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("アカウント無効化済み"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("送信元は海外のVPSと判明"), std::string::npos) << report.out;
  auto english = runProgram({HINOMI_BINARY, "cases", "report", case_id, "-c", cfg, "--lang", "en"});
  EXPECT_NE(english.out.find("Unauthorised access (test)"), std::string::npos) << english.out;

  testing::stopRun(hinomi);
  auto verify = runProgram({HINOMI_BINARY, "audit", "verify", "-c", cfg});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("chain intact"), std::string::npos) << verify.out;
}

}  // namespace
}  // namespace hinomi
