// The responder's step engine, driven with a fake clock and recording effects: order and gates,
// retries with back-off, escalation deadlines, approvals and their timeouts, the containment
// brakes, dry-run, resuming a step found in flight after a crash, closing with the 再発防止 record,
// and the audit trail of all of it.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "correlator/enrich/tenant_policy.h"
#include "playbooks/responder_engine.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::playbooks {
namespace {

constexpr int64_t kT0 = 1765242000000000;  // 2026-12-09T01:00:00Z
constexpr int64_t kSec = 1000000;

const char* kPlaybook = R"(playbook: pbt
title: テスト
title_en: Test
match: {tags: [hinomi.playbook.pbt]}
case: {group_by: [user.name], window: 1h}
contacts: [csirt, chief_security_officer, ciso]
report:
  - {id: account, label: 対象アカウント, label_en: Account, from: fields.user.name}
  - {id: status, label: 現在の状況, label_en: Status}
steps:
  - {id: tell, phase: 連絡, kind: notify, to: [csirt], channels: [email, webhook], subject: "[{{incident.level}}] {{fields.user.name}}"}
  - {id: climb, phase: 連絡, kind: escalate, to: [chief_security_officer], then: [ciso]}
  - {id: keep, phase: 証拠保全, kind: evidence, before: 1h}
  - {id: gate, phase: 被害拡大の防止, kind: approval, role: chief_security_officer, timeout: 30m, on_timeout: skip}
  - id: block
    phase: 被害拡大の防止
    kind: action
    after: [gate]
    target: "{{fields.source.ip}}"
    http: {method: POST, url: "http://127.0.0.1:9/block", body: {ip: "{{fields.source.ip}}"}}
  - id: lock
    phase: 被害拡大の防止
    kind: action
    after: [gate]
    target: "{{fields.user.name}}"
    program: {argv: [/usr/local/libexec/hinomi/disable-account, --user, "{{fields.user.name}}"]}
  - {id: check, phase: 復旧, kind: manual, after: [block], text: 確認する}
  - {id: report, phase: 再発防止, kind: report}
recurrence_prevention:
  - {id: cause, label: 原因}
  - {id: fix, label: 対策}
  - {id: extra, label: 任意, required: false}
)";

const char* kTenant = R"(tenant: katsuragi
name: 葛城市
model: none
contacts:
  - {role: csirt, name: CSIRT, email: csirt@example.lg.jp, webhook: "http://127.0.0.1:9/hook"}
  - {role: chief_security_officer, name: 統括, email: chief@example.lg.jp}
  - {role: ciso, name: CISO, email: ciso@example.lg.jp}
acknowledge:
  critical: {csirt: 0m, chief_security_officer: 30m, ciso: 1h}
)";

// Records every effect; fails the next `fail_next` calls (retryable unless told otherwise).
class RecordingEffects final : public StepEffects {
 public:
  std::vector<Delivery> sent;
  std::vector<std::pair<RenderedHttp, std::string>> calls;
  std::vector<std::pair<RenderedProgram, std::string>> programs;
  int evidence_runs = 0;
  int fail_next = 0;
  bool fail_retryable = true;

  EffectOutcome outcome() {
    EffectOutcome o;
    if (fail_next > 0) {
      --fail_next;
      o.note = "receiver down";
      o.retryable = fail_retryable;
      return o;
    }
    o.ok = true;
    o.note = "ok";
    return o;
  }
  EffectOutcome notify(const Delivery& d) override {
    auto o = outcome();
    if (o.ok) sent.push_back(d);
    return o;
  }
  EffectOutcome http(const RenderedHttp& call, const std::string& key, std::chrono::milliseconds) override {
    auto o = outcome();
    if (o.ok) calls.push_back({call, key});
    return o;
  }
  EffectOutcome program(const RenderedProgram& run, const std::string& key, std::chrono::milliseconds) override {
    auto o = outcome();
    if (o.ok) programs.push_back({run, key});
    return o;
  }
  EffectOutcome evidence(const CaseRecord&, const Step&, const std::vector<correlator::Incident>& incidents) override {
    ++evidence_runs;
    EffectOutcome o;
    o.ok = true;
    o.note = std::to_string(incidents.size()) + " incident(s)";
    return o;
  }
};

class ResponderEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plays_ = std::make_shared<PlaybookLoad>(readPlaybookText(kPlaybook, "pbt.yaml"));
    for (const auto& e : plays_->errors) ADD_FAILURE() << e.toString();
    correlator::TenantPolicyLoader loader;
    loader.addText(kTenant, "katsuragi.yaml");
    auto load = std::move(loader).finish();
    ASSERT_TRUE(load.ok()) << load.errorText();
    tenants_ = std::make_shared<const correlator::TenantPolicies>(std::move(load.policies));
    auto store = CaseStore::open(dir_.path().string() + "/responder");
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    settings_.report_dir = dir_.path().string() + "/reports";
    settings_.smtp_configured = true;
    settings_.retry_initial_us = 2 * kSec;
  }

  std::unique_ptr<ResponderEngine> engine() {
    return std::make_unique<ResponderEngine>(*store_, plays_, tenants_, effects_, clock_, settings_);
  }

  std::string openCase(const std::string& incident_id = "i1", const std::string& user = "suzuki",
                       const std::string& ip = "203.0.113.7") {
    correlator::Incident i;
    i.id = incident_id;
    i.rule_id = "rule-bf";
    i.title = "Brute force then success";
    i.level = "critical";
    i.tags = {"hinomi.playbook.pbt"};
    i.tenant = "katsuragi";
    i.first_ts_us = i.last_ts_us = kT0;
    i.event_count = 1;
    i.event_ids = {"e1"};
    i.fields["user.name"] = user;
    i.fields["source.ip"] = ip;
    auto taken = store_->intake(i, *plays_, clock_.nowMicros());
    EXPECT_TRUE(taken.has_value());
    return taken ? taken->case_id : "";
  }

  // The deliveries of one step, in the order they were sent.
  std::vector<Delivery> sentBy(const std::string& step) {
    std::vector<Delivery> out;
    for (const auto& d : effects_.sent)
      if (d.key.find(":" + step + ":") != std::string::npos) out.push_back(d);
    return out;
  }

  CaseRecord get(const std::string& id) {
    auto c = store_->get(id);
    EXPECT_TRUE(c.has_value() && c->has_value());
    return c && *c ? **c : CaseRecord{};
  }
  std::string state(const std::string& id, const std::string& step) { return get(id).steps[step].state; }

  CaseCommand command(const std::string& op, const std::string& id, const std::string& step = "",
                      const std::string& role = "") {
    CaseCommand c;
    c.op = op;
    c.case_id = id;
    c.step = step;
    c.user = "tanaka";
    c.role = role;
    return c;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_{kT0 + 5 * kSec};
  RecordingEffects effects_;
  std::shared_ptr<PlaybookLoad> plays_;
  std::shared_ptr<const correlator::TenantPolicies> tenants_;
  std::unique_ptr<CaseStore> store_;
  EngineSettings settings_;
};

TEST_F(ResponderEngineTest, RunsTheStepsInOrderAndWaitsAtTheGateAndForPeople) {
  auto e = engine();
  const std::string id = openCase();
  e->advance(id);
  // Notified: the csirt contact by e-mail and webhook, each with its own stable key.
  auto tell = sentBy("tell");
  ASSERT_EQ(tell.size(), 2u);
  EXPECT_EQ(tell[0].key, id + ":tell:email:csirt:0");
  EXPECT_EQ(tell[0].address, "csirt@example.lg.jp");
  EXPECT_EQ(tell[0].subject, "[critical] suzuki");
  EXPECT_EQ(tell[1].key, id + ":tell:webhook:csirt:0");
  EXPECT_EQ(tell[1].payload["case"]["id"], id);
  // The approver was asked (by e-mail: the only address the tenant has for the role).
  auto asked = sentBy("gate");
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].address, "chief@example.lg.jp");
  EXPECT_EQ(asked[0].subject.rfind("[承認依頼] ", 0), 0u);
  EXPECT_EQ(effects_.sent.size(), 3u);
  EXPECT_EQ(state(id, "tell"), "done");
  EXPECT_EQ(state(id, "keep"), "done");
  EXPECT_EQ(effects_.evidence_runs, 1);
  EXPECT_EQ(state(id, "gate"), "waiting");
  EXPECT_EQ(state(id, "block"), "pending");
  EXPECT_EQ(state(id, "check"), "pending");
  EXPECT_EQ(state(id, "report"), "done");
  EXPECT_TRUE(std::filesystem::exists(settings_.report_dir + "/" + id + ".ja.md"));
  EXPECT_TRUE(std::filesystem::exists(settings_.report_dir + "/" + id + ".en.json"));
  EXPECT_TRUE(effects_.calls.empty());

  // Advancing again sends nothing twice.
  e->advance(id);
  EXPECT_EQ(effects_.sent.size(), 3u);

  // The gate takes only its role.
  auto wrong = e->apply(command("approve", id, "gate", "csirt"));
  ASSERT_FALSE(wrong.has_value());
  EXPECT_NE(wrong.error().message.find("chief_security_officer"), std::string::npos);
  ASSERT_TRUE(e->apply(command("approve", id, "gate", "chief_security_officer")).has_value());
  e->advance(id);
  ASSERT_EQ(effects_.calls.size(), 1u);
  EXPECT_EQ(effects_.calls[0].second, id + ":block");
  EXPECT_EQ(effects_.calls[0].first.body, R"({"ip":"203.0.113.7"})");
  bool keyed = false;
  for (const auto& [name, value] : effects_.calls[0].first.headers) keyed = keyed || (name == "Idempotency-Key" && value == id + ":block");
  EXPECT_TRUE(keyed);
  ASSERT_EQ(effects_.programs.size(), 1u);
  EXPECT_EQ(effects_.programs[0].first.argv,
            (std::vector<std::string>{"/usr/local/libexec/hinomi/disable-account", "--user", "suzuki"}));
  EXPECT_GT(get(id).contained_us, 0);
  EXPECT_EQ(state(id, "check"), "waiting");
  auto done = e->apply(command("complete", id, "check"));
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_EQ(state(id, "check"), "done");
  EXPECT_EQ(get(id).steps["check"].by, "tanaka");
}

TEST_F(ResponderEngineTest, AFailedNotificationIsRetriedWithBackoffAndOnlyTheMissingDeliveriesAreSent) {
  auto e = engine();
  const std::string id = openCase();
  effects_.fail_next = 1;  // the e-mail fails, the webhook goes through
  int64_t next = e->advance(id);
  ASSERT_EQ(sentBy("tell").size(), 1u);
  EXPECT_EQ(sentBy("tell")[0].channel, "webhook");
  auto run = get(id).steps["tell"];
  EXPECT_EQ(run.state, "retry");
  EXPECT_EQ(run.attempts, 1);
  // 2 s ± 20 %.
  EXPECT_GE(run.next_us - clock_.nowMicros(), 1'600'000);
  EXPECT_LE(run.next_us - clock_.nowMicros(), 2'400'000);
  EXPECT_GT(next, 0);
  EXPECT_LE(next, run.next_us);
  e->advance(id);  // not due yet
  EXPECT_EQ(sentBy("tell").size(), 1u);
  clock_.set(run.next_us);
  e->advance(id);
  ASSERT_EQ(sentBy("tell").size(), 2u);
  EXPECT_EQ(sentBy("tell")[1].channel, "email");  // only the one that was missing
  EXPECT_EQ(state(id, "tell"), "done");
  EXPECT_EQ(get(id).steps["tell"].attempts, 2);
}

TEST_F(ResponderEngineTest, RetriesStopAtTheLimitAndTheBackoffGrows) {
  settings_.max_attempts = 3;
  auto e = engine();
  const std::string id = openCase();
  effects_.fail_next = 1000;
  std::vector<int64_t> waits;
  for (int i = 0; i < 5; ++i) {
    e->advance(id);
    auto run = get(id).steps["tell"];
    if (run.state != "retry") break;
    waits.push_back(run.next_us - clock_.nowMicros());
    clock_.set(run.next_us);
  }
  EXPECT_EQ(state(id, "tell"), "failed");
  EXPECT_EQ(get(id).steps["tell"].attempts, 3);
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_GT(waits[1], waits[0]);  // 2 s then 4 s (with jitter, the second is always longer)
}

TEST_F(ResponderEngineTest, EscalatesAlongTheTenantsDeadlinesUntilAcknowledged) {
  auto e = engine();
  const std::string a = openCase("i1", "suzuki");
  const std::string b = openCase("i2", "sato");
  e->advanceDue();
  auto calls = [&](const std::string& id, const std::string& role) {
    int n = 0;
    for (const auto& d : effects_.sent)
      if (d.key.rfind(id + ":climb:", 0) == 0 && d.role == role) ++n;
    return n;
  };
  EXPECT_EQ(calls(a, "chief_security_officer"), 0);
  clock_.set(kT0 + 5 * kSec + 29 * 60 * kSec);
  e->advanceDue();
  EXPECT_EQ(calls(a, "chief_security_officer"), 0);
  clock_.set(kT0 + 5 * kSec + 30 * 60 * kSec);
  e->advanceDue();
  EXPECT_EQ(calls(a, "chief_security_officer"), 1);
  EXPECT_EQ(calls(b, "chief_security_officer"), 1);
  EXPECT_EQ(effects_.sent.back().subject.rfind("[エスカレーション] ", 0), 0u);
  // One acknowledges; the other reaches the CISO at one hour.
  ASSERT_TRUE(e->apply(command("acknowledge", a)).has_value());
  clock_.set(kT0 + 5 * kSec + 60 * 60 * kSec);
  e->advanceDue();
  EXPECT_EQ(calls(a, "ciso"), 0);
  EXPECT_EQ(calls(b, "ciso"), 1);
  EXPECT_EQ(state(a, "climb"), "done");
  EXPECT_EQ(state(b, "climb"), "done");
  EXPECT_EQ(get(a).acknowledged_by, "tanaka");
  auto again = e->apply(command("acknowledge", a));
  EXPECT_FALSE(again.has_value());
}

TEST_F(ResponderEngineTest, AnApprovalThatTimesOutSkipsWhatWaitsOnItAndADenialDoesToo) {
  auto e = engine();
  const std::string a = openCase("i1", "suzuki");
  const std::string b = openCase("i2", "sato");
  e->advanceDue();
  ASSERT_TRUE(e->apply(command("deny", b, "gate", "chief_security_officer")).has_value());
  e->advance(b);
  EXPECT_EQ(state(b, "gate"), "denied");
  EXPECT_EQ(state(b, "block"), "skipped");
  EXPECT_EQ(state(b, "lock"), "skipped");
  EXPECT_EQ(state(b, "check"), "skipped");  // waits on block
  clock_.advanceSeconds(30 * 60);
  e->advance(a);
  EXPECT_EQ(state(a, "gate"), "skipped");
  EXPECT_EQ(state(a, "block"), "skipped");
  EXPECT_TRUE(effects_.calls.empty());
  EXPECT_TRUE(effects_.programs.empty());
  // Approving after the timeout is refused: the gate no longer waits.
  EXPECT_FALSE(e->apply(command("approve", a, "gate", "chief_security_officer")).has_value());
}

TEST_F(ResponderEngineTest, OnTimeoutProceedAndEscalate) {
  for (const char* mode : {"proceed", "escalate"}) {
    std::string text = kPlaybook;
    text.replace(text.find("on_timeout: skip"), 16, std::string("on_timeout: ") + mode);
    plays_ = std::make_shared<PlaybookLoad>(readPlaybookText(text, "pbt.yaml"));
    ASSERT_TRUE(plays_->ok());
    auto e = engine();
    const std::string id = openCase(std::string("i-") + mode, mode);
    e->advance(id);
    clock_.advanceSeconds(31 * 60);
    e->advance(id);
    if (std::string(mode) == "proceed") {
      EXPECT_EQ(state(id, "gate"), "done");
      EXPECT_EQ(state(id, "block"), "done");
    } else {
      EXPECT_EQ(state(id, "gate"), "waiting");  // still waiting, the CISO now asked too
      EXPECT_EQ(get(id).steps["gate"].result.value("escalated", false), true);
      bool ciso = false;
      for (const auto& d : effects_.sent) ciso = ciso || (d.key.rfind(id + ":gate:", 0) == 0 && d.role == "ciso");
      EXPECT_TRUE(ciso);
      ASSERT_TRUE(e->apply(command("approve", id, "gate", "chief_security_officer")).has_value());
      e->advance(id);
      EXPECT_EQ(state(id, "block"), "done");
    }
  }
}

TEST_F(ResponderEngineTest, ContainmentNeverTouchesProtectedTargetsAndIsCappedPerMinute) {
  settings_.never_touch = {"203.0.113.0/28", "svc-*"};
  settings_.max_actions_per_minute = 2;
  auto e = engine();
  const std::string a = openCase("i1", "svc-backup", "203.0.113.7");  // both targets protected
  const std::string b = openCase("i2", "sato", "198.51.100.1");
  const std::string c = openCase("i3", "kato", "198.51.100.2");
  e->advanceDue();
  for (const auto& id : {a, b, c}) ASSERT_TRUE(e->apply(command("approve", id, "gate", "chief_security_officer")).has_value());
  e->advance(a);
  EXPECT_EQ(state(a, "block"), "refused");
  EXPECT_NE(get(a).steps["block"].note.find("203.0.113.0/28"), std::string::npos);
  EXPECT_EQ(state(a, "lock"), "refused");
  e->advance(b);  // two actions: the minute's cap
  EXPECT_EQ(state(b, "block"), "done");
  EXPECT_EQ(state(b, "lock"), "done");
  e->advance(c);
  EXPECT_EQ(state(c, "block"), "waiting");
  EXPECT_NE(get(c).steps["block"].note.find("max_actions_per_minute"), std::string::npos);
  clock_.advanceSeconds(61);
  e->advance(c);
  EXPECT_EQ(state(c, "block"), "done");
  EXPECT_EQ(effects_.calls.size(), 2u);
}

TEST_F(ResponderEngineTest, DryRunRendersAndRecordsButSendsAndRunsNothing) {
  settings_.dry_run = true;
  auto e = engine();
  const std::string id = openCase();
  e->advance(id);
  EXPECT_TRUE(effects_.sent.empty());
  EXPECT_EQ(state(id, "tell"), "dry_run");
  EXPECT_EQ(get(id).steps["tell"].result["deliveries"].size(), 2u);
  EXPECT_EQ(state(id, "gate"), "dry_run");
  EXPECT_EQ(state(id, "block"), "dry_run");
  EXPECT_EQ(get(id).steps["block"].result["would"]["url"], "http://127.0.0.1:9/block");
  EXPECT_TRUE(effects_.calls.empty());
  EXPECT_TRUE(effects_.programs.empty());
}

TEST_F(ResponderEngineTest, AStepFoundRunningAfterACrashIsSentAgainWithTheSameKeyAndDoneOnesNever) {
  const std::string id = openCase();
  {
    auto e = engine();
    e->advance(id);
    ASSERT_TRUE(e->apply(command("approve", id, "gate", "chief_security_officer")).has_value());
  }
  // As a crash leaves it: `block` marked running, its call made or not.
  ASSERT_TRUE(store_->update(
                      id,
                      [](CaseRecord& c) -> Status {
                        c.steps["block"].state = "running";
                        c.steps["block"].attempts = 1;
                        return {};
                      },
                      AuditEntry{}, true)
                  .has_value());
  const size_t notified = effects_.sent.size();
  auto e = engine();
  e->advance(id);
  EXPECT_EQ(effects_.sent.size(), notified);  // `tell` was done: never again
  ASSERT_EQ(effects_.calls.size(), 1u);
  EXPECT_EQ(effects_.calls[0].second, id + ":block");
  EXPECT_EQ(state(id, "block"), "done");
  EXPECT_EQ(get(id).steps["block"].attempts, 2);
}

TEST_F(ResponderEngineTest, ACaseClosesOnlyWithItsRecordAndEverythingIsAudited) {
  auto e = engine();
  const std::string id = openCase();
  e->advance(id);
  auto refused = e->apply(command("close", id));
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("cause"), std::string::npos);
  EXPECT_NE(refused.error().message.find("fix"), std::string::npos);
  EXPECT_EQ(refused.error().message.find("extra"), std::string::npos);  // not required
  CaseCommand close = command("close", id);
  close.record = {{"cause", "弱いパスワード"}, {"nosuch", "x"}};
  EXPECT_FALSE(e->apply(close).has_value());  // an item the playbook does not have
  close.record = {{"cause", "弱いパスワード"}, {"fix", "多要素認証を必須化"}};
  auto closed = e->apply(close);
  ASSERT_TRUE(closed.has_value()) << closed.error().message;
  EXPECT_EQ(closed->state, "closed");
  auto counts = store_->countByState();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(*counts, (std::map<std::string, int64_t>{{"closed", 1}}));
  EXPECT_EQ(closed->steps["gate"].state, "skipped");
  EXPECT_FALSE(e->apply(command("acknowledge", id)).has_value());
  std::ifstream in(settings_.report_dir + "/" + id + ".ja.md");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("多要素認証を必須化"), std::string::npos);

  auto v = store_->audit().verify();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_GT(v.entries, 10u);
  // The people's actions carry their names.
  bool by_person = false;
  for (uint64_t seq = 1; seq <= v.head_seq; ++seq) {
    std::string value;
    auto& audit = store_->audit();
    ASSERT_TRUE(audit.db()->Get(rocksdb::ReadOptions(), audit.columnFamily(), AuditLog::keyOf(seq), &value).ok());
    auto entry = AuditEntry::fromJson(value);
    ASSERT_TRUE(entry.has_value());
    if (entry->action == "case.closed") by_person = entry->actor == "tanaka";
  }
  EXPECT_TRUE(by_person);
}

TEST_F(ResponderEngineTest, TheBackgroundLoopRunsWokenCasesAndDueTimers) {
  settings_.workers = 2;
  auto e = engine();
  ASSERT_TRUE(e->start().has_value());
  const std::string id = openCase();
  e->wake(id);
  for (int i = 0; i < 100 && state(id, "gate") != "waiting"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(state(id, "gate"), "waiting");
  EXPECT_EQ(sentBy("tell").size(), 2u);
  clock_.advanceSeconds(30 * 60);  // the approval's timeout and the chief's deadline fall due
  for (int i = 0; i < 100 && state(id, "gate") != "skipped"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(state(id, "gate"), "skipped");
  e->stop();
}

TEST(ContainmentGuardTest, MatchesAddressesNetworksAndGlobs) {
  ContainmentGuard g({"10.0.0.0/8", "192.0.2.5", "dc0?.katsuragi.local", "Administrator"}, 100);
  EXPECT_EQ(g.protectedBy("10.1.2.3"), "10.0.0.0/8");
  EXPECT_EQ(g.protectedBy("192.0.2.5"), "192.0.2.5");
  EXPECT_EQ(g.protectedBy("192.0.2.6"), "");
  EXPECT_EQ(g.protectedBy("DC01.katsuragi.local"), "dc0?.katsuragi.local");
  EXPECT_EQ(g.protectedBy("administrator"), "Administrator");
  EXPECT_EQ(g.protectedBy("198.51.100.1, 10.9.9.9"), "10.0.0.0/8");  // any one of several
  EXPECT_EQ(g.protectedBy("suzuki"), "");
  EXPECT_TRUE(globMatch("*", ""));
  EXPECT_FALSE(globMatch("a*b", std::string(10000, 'a')));
}

}  // namespace
}  // namespace hinomi::playbooks
