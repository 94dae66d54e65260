#pragma once
// The responder's engine: runs each open case's playbook as a durable state machine. A case's
// StepRuns (case_record.h) are its whole state; every transition is written with sync (CaseStore::
// update) and audited before the engine goes on, so after a crash it resumes from the record:
//   - a step waits for the steps in its `after`; one that did not succeed skips what waits on it;
//   - a side effect is marked `running` before it starts and done after, and carries its
//     idempotency key, so one found `running` after a crash is sent again with the same key (the
//     receiver drops the copy) and one found done is never sent again;
//   - failures are retried with exponential back-off and jitter up to max_attempts, the next
//     attempt's time stored in the record so it survives restarts;
//   - escalation deadlines and approval timeouts are times in the record too, checked against the
//     injected clock, so tests move time instead of sleeping.
// People act through commands (acknowledge, approve, deny, complete, comment, close), audited with
// their name. Intake wakes the engine when a case opens or grows; a timer wakes it for deadlines.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/time.h"
#include "correlator/enrich/tenant_policy.h"
#include "playbooks/audit_log.h"
#include "playbooks/case_store.h"
#include "playbooks/containment_guard.h"
#include "playbooks/playbook_loader.h"
#include "playbooks/step_effects.h"

namespace hinomi::playbooks {

struct EngineSettings {
  bool dry_run = false;         // every playbook dry-run
  int max_attempts = 5;
  int64_t retry_initial_us = 2'000'000;
  int64_t retry_max_us = 300'000'000;
  int workers = 4;
  bool smtp_configured = false;
  std::string console_url;
  std::string report_dir;       // reports written here: <case>.ja.md, .ja.json, .en.md, .en.json
  std::vector<std::string> never_touch;
  int max_actions_per_minute = 10;
};

// A person's command. `user` is recorded as the actor in the audit log.
struct CaseCommand {
  std::string op;       // acknowledge, assign, approve, deny, complete, comment, close, report_value
  std::string case_id;
  std::string step;     // approve, deny, complete; report_value: the item id
  std::string user;
  std::string role;     // approve / deny: the role the person acts in
  std::string text;     // comment, note, assignee, report value
  nlohmann::json record = nlohmann::json::object();  // close: 再発防止 item id → text
  nlohmann::json toJson() const;
  static Result<CaseCommand> fromJson(const nlohmann::json& j);
};

class ResponderEngine {
 public:
  // Everything passed in outlives the engine. `tenants` may be null (no contacts: nobody to call).
  ResponderEngine(CaseStore& store, std::shared_ptr<const PlaybookLoad> playbooks,
                  std::shared_ptr<const correlator::TenantPolicies> tenants, StepEffects& effects, const Clock& clock,
                  EngineSettings settings);
  ~ResponderEngine();

  // Background: loads the cases not closed, then advances cases as they are woken or fall due.
  Status start();
  void stop();
  // A case opened or changed (intake): advance it soon.
  void wake(const std::string& case_id);

  // Advances one case as far as it can go now; returns when it must be looked at again (0: not
  // until something happens). Public so that tests can drive it step by step with a fake clock.
  int64_t advance(const std::string& case_id);
  // Advances every case not closed that is due at the clock's now; returns how many were advanced.
  size_t advanceDue();

  // Called by the engine's loop every ~200 ms (before start()): where the CLI's commands come in.
  void setInboxPoller(std::function<void()> poll) { inbox_ = std::move(poll); }

  // Applies a person's command; the error says why it was refused.
  Result<CaseRecord> apply(const CaseCommand& command);

  // Writes the case's reports (Japanese and English, Markdown and JSON) under report_dir; returns
  // the Japanese Markdown path.
  Result<std::string> writeReports(const CaseRecord& c);

 private:
  bool advanceOnce(const std::string& case_id, int64_t& next_us);
  // One audited change of a case. `durable`: on disk before it returns — for what people were told
  // and for side effects done; bookkeeping that the engine redoes after a crash need not wait.
  Result<CaseRecord> change(const std::string& case_id, const std::string& actor, const std::string& action,
                            const nlohmann::json& detail, const std::function<Status(CaseRecord&)>& fn,
                            bool durable = true);
  // Each returns whether it changed the case (then the engine looks at it again at once).
  bool runStep(const CaseRecord& c, const Playbook& p, const Step& step, int64_t now, int64_t& next_us);
  bool runNotify(const CaseRecord& c, const Playbook& p, const Step& step, int64_t now, int64_t& next_us);
  bool runEscalate(const CaseRecord& c, const Playbook& p, const Step& step, int64_t now, int64_t& next_us);
  bool runApproval(const CaseRecord& c, const Playbook& p, const Step& step, int64_t now, int64_t& next_us);
  bool runAction(const CaseRecord& c, const Playbook& p, const Step& step, int64_t now, int64_t& next_us);
  bool runEvidence(const CaseRecord& c, const Playbook& p, const Step& step, int64_t now, int64_t& next_us);
  bool runReport(const CaseRecord& c, const Step& step, int64_t now, int64_t& next_us);
  void finishStep(const CaseRecord& c, const Step& step, const std::string& state, const std::string& note,
                  const nlohmann::json& result, const std::string& by = "hinomi");
  void failAttempt(const CaseRecord& c, const Step& step, const std::string& note, bool retryable, int64_t now,
                   int64_t& next_us, const nlohmann::json& result = nlohmann::json::object());
  // Marks the step running (one more attempt) before its side effect starts; false when that could
  // not be recorded, and then nothing is started.
  bool markRunning(const CaseRecord& c, const Step& step, int64_t now, int& attempts);
  // Sends the deliveries not yet in the step's `delivered`, recording each as it succeeds; the
  // errors of those that failed.
  std::vector<std::string> sendDeliveries(const CaseRecord& c, const Step& step, const std::vector<Delivery>& ds,
                                          bool& retryable);
  bool setWaiting(const CaseRecord& c, const Step& step, int64_t now, int64_t next_us, const std::string& note);
  int64_t backoff(int attempts);
  bool dryRun(const Playbook& p) const { return settings_.dry_run || p.dry_run; }
  const correlator::TenantPolicy* tenantOf(const CaseRecord& c) const;
  void schedule(const std::string& case_id, int64_t at_us);
  void mainLoop();
  void workerLoop();
  void updateCaseGauges();

  CaseStore& store_;
  std::shared_ptr<const PlaybookLoad> playbooks_;
  std::shared_ptr<const correlator::TenantPolicies> tenants_;
  StepEffects& effects_;
  const Clock& clock_;
  EngineSettings settings_;
  ContainmentGuard guard_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_{std::random_device{}()};

  // Scheduling: when each case not closed is due; the ready queue the workers take from.
  std::mutex mu_;
  std::condition_variable cv_;        // the main loop: something was woken or stopping
  std::condition_variable work_cv_;   // workers: ready has a case
  std::map<std::string, int64_t> due_;     // case id → due time (0: only when woken)
  std::deque<std::string> ready_;
  std::set<std::string> queued_or_busy_;   // in ready_ or being advanced: one worker per case
  std::set<std::string> rewake_;           // woken while busy: advance again after
  bool stopping_ = false;
  std::function<void()> inbox_;
  std::thread main_;
  std::vector<std::thread> workers_;
};

}  // namespace hinomi::playbooks
