#include "playbooks/responder_engine.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/logging.h"
#include "playbooks/case_context.h"
#include "playbooks/case_report.h"
#include "playbooks/notification.h"
#include "playbooks/responder_metrics.h"
#include "playbooks/template_text.h"

namespace hinomi::playbooks {
namespace {

constexpr const char* kContainPhase = "被害拡大の防止";

std::string joinText(const std::vector<std::string>& parts, const char* sep = "; ") {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string durationText(int64_t secs) {
  if (secs % 3600 == 0 && secs >= 3600) return std::to_string(secs / 3600) + "h";
  if (secs % 60 == 0 && secs >= 60) return std::to_string(secs / 60) + "m";
  return std::to_string(secs) + "s";
}

// ${env:NAME} at the start of a URL: the site's endpoint, kept out of the playbook files.
std::string expandEnvPrefix(const std::string& url) {
  if (url.rfind("${env:", 0) != 0) return url;
  size_t end = url.find('}');
  if (end == std::string::npos) return url;
  const char* v = std::getenv(url.substr(6, end - 6).c_str());
  return std::string(v ? v : "") + url.substr(end + 1);
}

nlohmann::json renderJson(const nlohmann::json& j, const std::function<std::string(const std::string&)>& lookup) {
  if (j.is_string()) return renderTemplate(j.get<std::string>(), lookup);
  if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : j.items()) out[k] = renderJson(v, lookup);
    return out;
  }
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : j) out.push_back(renderJson(v, lookup));
    return out;
  }
  return j;
}

void observeSeconds(prometheus::Histogram* h, int64_t from_us, int64_t to_us) {
  if (from_us > 0 && to_us >= from_us) h->Observe(double(to_us - from_us) / 1e6);
}

}  // namespace

nlohmann::json CaseCommand::toJson() const {
  return {{"op", op}, {"case", case_id}, {"step", step}, {"user", user},
          {"role", role}, {"text", text}, {"record", record}};
}

Result<CaseCommand> CaseCommand::fromJson(const nlohmann::json& j) {
  if (!j.is_object()) return makeError(ErrorCode::kInvalidArgument, "a command is a JSON object");
  CaseCommand c;
  try {
    c.op = j.at("op").get<std::string>();
    c.case_id = j.at("case").get<std::string>();
    c.step = j.value("step", std::string());
    c.user = j.value("user", std::string());
    c.role = j.value("role", std::string());
    c.text = j.value("text", std::string());
    if (j.contains("record")) c.record = j.at("record");
  } catch (const nlohmann::json::exception& e) {
    return makeError(ErrorCode::kInvalidArgument, std::string("a command is malformed: ") + e.what());
  }
  if (!c.record.is_object()) return makeError(ErrorCode::kInvalidArgument, "a command's record is not an object");
  return c;
}

ResponderEngine::ResponderEngine(CaseStore& store, std::shared_ptr<const PlaybookLoad> playbooks,
                                 std::shared_ptr<const correlator::TenantPolicies> tenants, StepEffects& effects,
                                 const Clock& clock, EngineSettings settings)
    : store_(store),
      playbooks_(std::move(playbooks)),
      tenants_(std::move(tenants)),
      effects_(effects),
      clock_(clock),
      settings_(std::move(settings)),
      guard_(settings_.never_touch, settings_.max_actions_per_minute) {}

ResponderEngine::~ResponderEngine() { stop(); }

const correlator::TenantPolicy* ResponderEngine::tenantOf(const CaseRecord& c) const {
  return tenants_ ? tenants_->find(c.tenant) : nullptr;
}

int64_t ResponderEngine::backoff(int attempts) {
  int64_t wait = settings_.retry_initial_us;
  for (int i = 1; i < attempts && wait < settings_.retry_max_us; ++i) wait *= 2;
  wait = std::min(wait, settings_.retry_max_us);
  std::lock_guard<std::mutex> lock(rng_mu_);
  // ±20 %: cases that failed together (a receiver down) do not all come back in the same instant.
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return int64_t(double(wait) * jitter(rng_));
}

Result<CaseRecord> ResponderEngine::change(const std::string& case_id, const std::string& actor,
                                           const std::string& action, const nlohmann::json& detail,
                                           const std::function<Status(CaseRecord&)>& fn, bool durable) {
  // The case and its audit entry are one write, so neither is ever without the other.
  AuditEntry e;
  e.ts_us = clock_.nowMicros();
  e.actor = actor;
  e.action = action;
  e.detail = detail;
  return store_.update(case_id, fn, std::move(e), durable);
}

void ResponderEngine::finishStep(const CaseRecord& c, const Step& step, const std::string& state,
                                 const std::string& note, const nlohmann::json& result, const std::string& by) {
  const int64_t now = clock_.nowMicros();
  auto updated = change(c.id, by, "step." + state, {{"step", step.id}, {"kind", stepKindName(step.kind)}, {"note", note}},
                        [&](CaseRecord& k) -> Status {
                          auto& run = k.steps[step.id];
                          if (run.finished())
                            return makeError(ErrorCode::kInvalidArgument, "step " + step.id + " already " + run.state);
                          run.state = state;
                          run.finished_us = now;
                          run.note = note;
                          run.by = by;
                          run.next_us = 0;
                          for (const auto& [key, value] : result.items()) run.result[key] = value;
                          k.timeline.push_back({now, "step", step.id, state + ": " + note});
                          return {};
                        });
  if (!updated) {
    logging::get("responder")->warn("Step not recorded. case={} step={} state={} error={}", c.id, step.id, state,
                                    updated.error().message);
    return;
  }
  ResponderMetrics::get().steps->Add({{"kind", stepKindName(step.kind)}, {"outcome", state}}).Increment();
  logging::get("responder")->info("Step {}. case={} step={} note={}", state, c.id, step.id, note);
  // Contained: every containment action of the playbook has finished and one of them worked.
  if (step.kind == StepKind::kAction && step.phase == kContainPhase && updated->contained_us == 0) {
    const Playbook* p = playbooks_->byId(updated->playbook);
    bool all = true, any = false;
    if (p)
      for (const auto& s : p->steps) {
        if (s.kind != StepKind::kAction || s.phase != kContainPhase) continue;
        auto it = updated->steps.find(s.id);
        if (it == updated->steps.end() || !it->second.finished()) all = false;
        else if (it->second.succeeded()) any = true;
      }
    if (all && any) {
      auto done = change(c.id, "hinomi", "case.contained", nlohmann::json::object(), [&](CaseRecord& k) -> Status {
        if (k.contained_us != 0) return makeError(ErrorCode::kInvalidArgument, "already contained");
        k.contained_us = now;
        k.timeline.push_back({now, "contained", "", "被害拡大の防止の措置が完了"});
        return {};
      });
      if (done) observeSeconds(ResponderMetrics::get().time_to_contain, done->opened_us, now);
    }
  }
}

void ResponderEngine::failAttempt(const CaseRecord& c, const Step& step, const std::string& note, bool retryable,
                                  int64_t now, int64_t& next_us, const nlohmann::json& result) {
  int attempts = c.steps.count(step.id) ? c.steps.at(step.id).attempts : 1;
  if (!retryable || attempts >= settings_.max_attempts) {
    finishStep(c, step, "failed",
               note + (retryable ? " (after " + std::to_string(attempts) + " attempts)" : " (not retried)"), result);
    return;
  }
  const int64_t at = now + backoff(attempts);
  auto updated = change(c.id, "hinomi", "step.retry", {{"step", step.id}, {"attempt", attempts}, {"error", note}},
                        [&](CaseRecord& k) -> Status {
                          auto& run = k.steps[step.id];
                          if (run.finished()) return makeError(ErrorCode::kInvalidArgument, "already finished");
                          run.state = "retry";
                          run.next_us = at;
                          run.note = note;
                          for (const auto& [key, value] : result.items()) run.result[key] = value;
                          return {};
                        }, false);
  if (updated) next_us = next_us == 0 ? at : std::min(next_us, at);
  logging::get("responder")->warn("Step failed; retrying. case={} step={} attempt={} error={}", c.id, step.id,
                                  attempts, note);
}

bool ResponderEngine::markRunning(const CaseRecord& c, const Step& step, int64_t now, int& attempts) {
  auto updated = change(c.id, "hinomi", "step.started", {{"step", step.id}, {"kind", stepKindName(step.kind)}},
                        [&](CaseRecord& k) -> Status {
                          auto& run = k.steps[step.id];
                          if (run.finished()) return makeError(ErrorCode::kInvalidArgument, "already finished");
                          run.state = "running";
                          run.attempts += 1;
                          if (run.started_us == 0) run.started_us = now;
                          attempts = run.attempts;
                          return {};
                        }, false);
  if (updated && attempts > 1) ResponderMetrics::get().retries->Increment();
  return bool(updated);
}

bool ResponderEngine::setWaiting(const CaseRecord& c, const Step& step, int64_t now, int64_t next_us,
                                 const std::string& note) {
  auto updated = change(c.id, "hinomi", "step.waiting", {{"step", step.id}, {"kind", stepKindName(step.kind)}, {"note", note}},
                        [&](CaseRecord& k) -> Status {
                          auto& run = k.steps[step.id];
                          if (run.state != "pending") return makeError(ErrorCode::kInvalidArgument, "not pending");
                          run.state = "waiting";
                          run.started_us = now;
                          run.next_us = next_us;
                          run.note = note;
                          k.timeline.push_back({now, "step", step.id, "waiting: " + note});
                          return {};
                        }, false);
  return bool(updated);
}

std::vector<std::string> ResponderEngine::sendDeliveries(const CaseRecord& c, const Step& step,
                                                         const std::vector<Delivery>& ds, bool& retryable) {
  auto& m = ResponderMetrics::get();
  std::vector<std::string> errors;
  retryable = false;
  const auto& done = c.steps.count(step.id) ? c.steps.at(step.id).delivered : std::vector<std::string>{};
  for (const auto& d : ds) {
    if (contains(done, d.key)) continue;
    EffectOutcome out = effects_.notify(d);
    if (!out.ok) {
      m.deliveries->Add({{"channel", d.channel}, {"outcome", "failed"}}).Increment();
      errors.push_back(d.channel + " to " + d.role + " (" + d.name + "): " + out.note);
      retryable = retryable || out.retryable;
      continue;
    }
    m.deliveries->Add({{"channel", d.channel}, {"outcome", "sent"}}).Increment();
    const int64_t now = clock_.nowMicros();
    bool first = false;
    auto updated = change(c.id, "hinomi", "notification.sent",
                          {{"step", step.id}, {"key", d.key}, {"channel", d.channel}, {"role", d.role}, {"to", d.name}},
                          [&](CaseRecord& k) -> Status {
                            first = true;
                            for (const auto& [id, run] : k.steps)
                              if (!run.delivered.empty()) first = false;
                            k.steps[step.id].delivered.push_back(d.key);
                            k.timeline.push_back({now, "notified", step.id, d.channel + " → " + d.role + " (" + d.name + ")"});
                            return {};
                          });
    if (updated && first) observeSeconds(m.first_notification, c.opened_us, now);
  }
  return errors;
}

bool ResponderEngine::runNotify(const CaseRecord& c, const Playbook& p, const Step& step, int64_t now,
                                int64_t& next_us) {
  const StepRun& run = c.steps.at(step.id);
  if (run.state == "retry" && now < run.next_us) {
    next_us = next_us == 0 ? run.next_us : std::min(next_us, run.next_us);
    return false;
  }
  NotifyPlan plan = planNotifications(c, step, step.to, step.channels, tenantOf(c), settings_.smtp_configured,
                                      settings_.console_url);
  nlohmann::json unreachable = plan.unreachable;
  if (dryRun(p)) {
    nlohmann::json would = nlohmann::json::array();
    for (const auto& d : plan.deliveries) {
      would.push_back({{"channel", d.channel}, {"role", d.role}, {"to", d.name}, {"key", d.key}, {"subject", d.subject}});
      ResponderMetrics::get().deliveries->Add({{"channel", d.channel}, {"outcome", "dry_run"}}).Increment();
    }
    finishStep(c, step, "dry_run", "would send " + std::to_string(plan.deliveries.size()) + " notification(s)",
               {{"deliveries", would}, {"unreachable", unreachable}});
    return true;
  }
  for (const auto& u : plan.unreachable) {
    (void)u;
    ResponderMetrics::get().deliveries->Add({{"channel", "none"}, {"outcome", "skipped"}}).Increment();
  }
  if (plan.deliveries.empty()) {
    finishStep(c, step, "skipped", "nobody could be notified: " + joinText(plan.unreachable),
               {{"unreachable", unreachable}});
    return true;
  }
  int attempts = 0;
  if (!markRunning(c, step, now, attempts)) return false;
  auto fresh = store_.get(c.id);
  if (!fresh || !*fresh) return false;
  bool retryable = false;
  auto errors = sendDeliveries(**fresh, step, plan.deliveries, retryable);
  auto after = store_.get(c.id);
  if (!after || !*after) return true;
  if (!errors.empty()) {
    failAttempt(**after, step, joinText(errors), retryable, clock_.nowMicros(), next_us, {{"unreachable", unreachable}});
    return true;
  }
  finishStep(**after, step, "done",
             "sent " + std::to_string(plan.deliveries.size()) + " notification(s)" +
                 (plan.unreachable.empty() ? "" : "; not reachable: " + joinText(plan.unreachable)),
             {{"unreachable", unreachable}});
  return true;
}

bool ResponderEngine::runEscalate(const CaseRecord& c, const Playbook& p, const Step& step, int64_t now,
                                  int64_t& next_us) {
  const StepRun& run = c.steps.at(step.id);
  if (run.state == "pending") return setWaiting(c, step, now, 0, "calling the next role while nobody acknowledges");
  if (c.acknowledged_us > 0) {
    finishStep(c, step, "done", "acknowledged by " + c.acknowledged_by + "; no further escalation", {});
    return true;
  }
  const correlator::TenantPolicy* tenant = tenantOf(c);
  const std::map<std::string, int64_t>* table = nullptr;
  if (tenant) {
    auto it = tenant->contacts.acknowledge.find(c.level);
    if (it != tenant->contacts.acknowledge.end() && !it->second.empty()) table = &it->second;
  }
  if (!table) {
    finishStep(c, step, "skipped", "the tenant sets no acknowledgement deadline for level " + c.level, {});
    return true;
  }
  // The ladder: each role is called when the case is still not acknowledged its deadline after it
  // opened. A `to` role without its own deadline is called at the earliest one (the case's first
  // deadline); a `then` role without one is left out, and said so.
  int64_t first = INT64_MAX;
  for (const auto& [role, secs] : *table) first = std::min(first, secs);
  std::vector<std::pair<std::string, int64_t>> ladder;
  std::vector<std::string> left_out;
  for (const auto& role : step.to) {
    auto it = table->find(role);
    ladder.push_back({role, it != table->end() ? it->second : first});
  }
  for (const auto& role : step.then) {
    auto it = table->find(role);
    if (it != table->end()) ladder.push_back({role, it->second});
    else left_out.push_back(role);
  }
  bool changed = false;
  int64_t pending_at = 0;
  for (const auto& [role, secs] : ladder) {
    const std::string marker = "role:" + role;
    if (contains(run.delivered, marker)) continue;
    const int64_t due = c.opened_us + secs * 1000000;
    if (due > now) {
      pending_at = pending_at == 0 ? due : std::min(pending_at, due);
      continue;
    }
    if (run.state == "retry" && now < run.next_us) {
      pending_at = pending_at == 0 ? run.next_us : std::min(pending_at, run.next_us);
      continue;
    }
    Step as_role = step;
    as_role.subject = "";
    NotifyPlan plan = planNotifications(c, as_role, {role}, {"email", "chat", "webhook"}, tenant,
                                        settings_.smtp_configured, settings_.console_url, "[エスカレーション] ");
    std::vector<std::string> errors;
    bool retryable = false;
    if (!dryRun(p)) {
      auto fresh = store_.get(c.id);
      if (!fresh || !*fresh) return changed;
      errors = sendDeliveries(**fresh, step, plan.deliveries, retryable);
    }
    int attempts = run.attempts;
    if (!errors.empty() && retryable && attempts + 1 < settings_.max_attempts) {
      const int64_t at = now + backoff(attempts + 1);
      auto updated = change(c.id, "hinomi", "step.retry", {{"step", step.id}, {"role", role}, {"error", joinText(errors)}},
                            [&](CaseRecord& k) -> Status {
                              auto& r = k.steps[step.id];
                              r.state = "retry";
                              r.attempts += 1;
                              r.next_us = at;
                              r.note = joinText(errors);
                              return {};
                            }, false);
      if (updated) ResponderMetrics::get().retries->Increment();
      pending_at = pending_at == 0 ? at : std::min(pending_at, at);
      changed = true;
      continue;
    }
    const std::string how = dryRun(p) ? "dry-run: would call" : errors.empty() ? "called" : "could not reach";
    std::string note = how + " " + role + " (" + durationText(secs) + " without acknowledgement)";
    if (!plan.unreachable.empty()) note += "; not reachable: " + joinText(plan.unreachable);
    if (!errors.empty()) note += "; errors: " + joinText(errors);
    auto updated = change(c.id, "hinomi", "case.escalated", {{"step", step.id}, {"role", role}, {"after_secs", secs}, {"note", note}},
                          [&](CaseRecord& k) -> Status {
                            if (k.acknowledged_us > 0) return makeError(ErrorCode::kInvalidArgument, "acknowledged meanwhile");
                            auto& r = k.steps[step.id];
                            r.delivered.push_back(marker);
                            r.state = "waiting";
                            r.attempts = 0;
                            r.note = note;
                            k.timeline.push_back({now, "escalated", step.id, note});
                            return {};
                          });
    if (updated) {
      ResponderMetrics::get().escalations->Increment();
      logging::get("responder")->warn("Case escalated. case={} role={} note={}", c.id, role, note);
    }
    changed = true;
  }
  if (!changed && pending_at == 0) {
    finishStep(c, step, dryRun(p) ? "dry_run" : "done",
               "every role of the ladder was called" +
                   (left_out.empty() ? std::string() : "; no deadline for " + joinText(left_out, ", ")),
               {});
    return true;
  }
  if (pending_at != 0) next_us = next_us == 0 ? pending_at : std::min(next_us, pending_at);
  return changed;
}

bool ResponderEngine::runApproval(const CaseRecord& c, const Playbook& p, const Step& step, int64_t now,
                                  int64_t& next_us) {
  const StepRun& run = c.steps.at(step.id);
  if (run.state == "pending") {
    if (dryRun(p)) {
      finishStep(c, step, "dry_run", "approval by " + step.role + " assumed (dry-run)", {});
      return true;
    }
    const int64_t deadline = step.timeout_secs > 0 ? now + step.timeout_secs * 1000000 : 0;
    return setWaiting(c, step, now, deadline, "waiting for approval by " + step.role);
  }
  if (!run.result.value("requested", false)) {
    // Ask the approver (e-mail, chat, webhook) once; a delivery that fails is tried again when
    // the case is next looked at, the ones that went through are not.
    Step as_request = step;
    as_request.subject = "";
    NotifyPlan plan = planNotifications(c, as_request, {step.role}, {"email", "chat", "webhook"}, tenantOf(c),
                                        settings_.smtp_configured, settings_.console_url, "[承認依頼] ");
    bool retryable = false;
    auto errors = sendDeliveries(c, step, plan.deliveries, retryable);
    if (errors.empty() || !retryable) {
      std::string note = "waiting for approval by " + step.role + "; asked " + std::to_string(plan.deliveries.size() - errors.size()) +
                         " contact(s)" + (plan.unreachable.empty() ? "" : "; not reachable: " + joinText(plan.unreachable));
      auto updated = change(c.id, "hinomi", "approval.requested", {{"step", step.id}, {"role", step.role}, {"note", note}},
                            [&](CaseRecord& k) -> Status {
                              auto& r = k.steps[step.id];
                              if (r.state != "waiting") return makeError(ErrorCode::kInvalidArgument, "answered meanwhile");
                              r.result["requested"] = true;
                              r.note = note;
                              return {};
                            });
      return bool(updated);
    }
    const int64_t again = now + backoff(1);
    next_us = next_us == 0 ? again : std::min(next_us, again);
  }
  if (run.next_us == 0 || now < run.next_us) {
    if (run.next_us != 0) next_us = next_us == 0 ? run.next_us : std::min(next_us, run.next_us);
    return false;
  }
  const std::string waited = durationText(step.timeout_secs);
  if (step.on_timeout == "proceed") {
    finishStep(c, step, "done", "proceeded without approval: nobody answered within " + waited, {{"timed_out", true}});
    return true;
  }
  if (step.on_timeout == "escalate") {
    // Call the roles after the approver: the `then` of the playbook's escalate steps, else the CISO.
    std::vector<std::string> roles;
    for (const auto& s : p.steps)
      if (s.kind == StepKind::kEscalate)
        for (const auto& r : s.then)
          if (!contains(roles, r) && r != step.role) roles.push_back(r);
    if (roles.empty()) roles.push_back("ciso");
    Step as_request = step;
    as_request.subject = "";
    NotifyPlan plan = planNotifications(c, as_request, roles, {"email", "chat", "webhook"}, tenantOf(c),
                                        settings_.smtp_configured, settings_.console_url, "[承認待ち] ");
    bool retryable = false;
    auto errors = sendDeliveries(c, step, plan.deliveries, retryable);
    std::string note = "no approval by " + step.role + " within " + waited + "; called " + joinText(roles, ", ") +
                       (errors.empty() ? "" : "; errors: " + joinText(errors));
    auto updated = change(c.id, "hinomi", "approval.escalated", {{"step", step.id}, {"roles", roles}, {"note", note}},
                          [&](CaseRecord& k) -> Status {
                            auto& r = k.steps[step.id];
                            if (r.state != "waiting") return makeError(ErrorCode::kInvalidArgument, "answered meanwhile");
                            r.next_us = 0;  // keeps waiting, now without a deadline
                            r.note = note;
                            r.result["escalated"] = true;
                            k.timeline.push_back({now, "escalated", step.id, note});
                            return {};
                          });
    if (updated) ResponderMetrics::get().escalations->Increment();
    return bool(updated);
  }
  finishStep(c, step, "skipped", "no approval by " + step.role + " within " + waited, {{"timed_out", true}});
  return true;
}

bool ResponderEngine::runAction(const CaseRecord& c, const Playbook& p, const Step& step, int64_t now,
                                int64_t& next_us) {
  const StepRun& run = c.steps.at(step.id);
  if ((run.state == "retry" || run.state == "waiting") && now < run.next_us) {
    next_us = next_us == 0 ? run.next_us : std::min(next_us, run.next_us);
    return false;
  }
  const correlator::TenantPolicy* tenant = tenantOf(c);
  auto lookup = caseLookup(c, tenant);
  const std::string target = renderTemplate(step.target, lookup);
  if (target.find_first_not_of(" \t,") == std::string::npos) {
    finishStep(c, step, "skipped", "its target '" + step.target + "' is empty for this case", {});
    return true;
  }
  if (std::string rule = guard_.protectedBy(target); !rule.empty()) {
    ResponderMetrics::get().refused->Increment();
    finishStep(c, step, "refused", "target " + target + " is protected (responder.never_touch: " + rule + ")",
               {{"target", target}});
    return true;
  }
  const std::string key = c.id + ":" + step.id;
  const std::chrono::milliseconds timeout(step.timeout_secs > 0 ? step.timeout_secs * 1000 : 30000);
  RenderedHttp call;
  RenderedProgram program;
  nlohmann::json rendered;
  if (step.http) {
    call.method = step.http->method;
    call.url = expandEnvPrefix(renderTemplate(step.http->url, lookup));
    for (const auto& [name, value] : step.http->headers) call.headers.push_back({name, renderTemplate(value, lookup)});
    if (!step.http->body.is_null()) {
      call.body = renderJson(step.http->body, lookup).dump();
      call.headers.push_back({"Content-Type", "application/json"});
    }
    call.headers.push_back({"Idempotency-Key", key});
    rendered = {{"method", call.method}, {"url", call.url}, {"body", call.body}};
  } else if (step.program) {
    for (const auto& a : step.program->argv) program.argv.push_back(renderTemplate(a, lookup));
    for (const auto& [name, value] : step.program->env) program.env.push_back({name, renderTemplate(value, lookup)});
    program.env.push_back({"HINOMI_IDEMPOTENCY_KEY", key});
    program.env.push_back({"HINOMI_CASE_ID", c.id});
    rendered = {{"argv", program.argv}};
  }
  if (dryRun(p)) {
    finishStep(c, step, "dry_run", "would act on " + target, {{"target", target}, {"would", rendered}});
    return true;
  }
  if (run.state != "running") {  // a run found `running` was started before a crash: it goes on now
    int64_t at = 0;
    if (!guard_.tryStart(now, at)) {
      ResponderMetrics::get().deferred->Increment();
      auto updated = change(c.id, "hinomi", "step.deferred", {{"step", step.id}, {"until_us", at}}, [&](CaseRecord& k) -> Status {
        auto& r = k.steps[step.id];
        if (r.finished()) return makeError(ErrorCode::kInvalidArgument, "already finished");
        r.state = "waiting";
        r.next_us = at;
        r.note = "held: responder.max_actions_per_minute reached";
        return {};
      }, false);
      next_us = next_us == 0 ? at : std::min(next_us, at);
      return false;
    }
  }
  int attempts = 0;
  if (!markRunning(c, step, now, attempts)) return false;
  EffectOutcome out = step.http ? effects_.http(call, key, timeout) : effects_.program(program, key, timeout);
  out.result["target"] = target;
  auto fresh = store_.get(c.id);
  if (!fresh || !*fresh) return true;
  if (out.ok) finishStep(**fresh, step, "done", out.note, out.result);
  else failAttempt(**fresh, step, out.note, out.retryable, clock_.nowMicros(), next_us, out.result);
  return true;
}

bool ResponderEngine::runEvidence(const CaseRecord& c, const Playbook& p, const Step& step, int64_t now,
                                  int64_t& next_us) {
  (void)p;  // evidence is kept in dry-run too: it sends nothing and is what an investigation needs
  const StepRun& run = c.steps.at(step.id);
  if (run.state == "retry" && now < run.next_us) {
    next_us = next_us == 0 ? run.next_us : std::min(next_us, run.next_us);
    return false;
  }
  int attempts = 0;
  if (!markRunning(c, step, now, attempts)) return false;
  auto incidents = store_.incidentsOf(c);
  if (!incidents) {
    failAttempt(c, step, incidents.error().message, true, now, next_us);
    return true;
  }
  EffectOutcome out = effects_.evidence(c, step, *incidents);
  auto fresh = store_.get(c.id);
  if (!fresh || !*fresh) return true;
  if (out.ok) finishStep(**fresh, step, "done", out.note, out.result);
  else failAttempt(**fresh, step, out.note, out.retryable, clock_.nowMicros(), next_us, out.result);
  return true;
}

bool ResponderEngine::runReport(const CaseRecord& c, const Step& step, int64_t now, int64_t& next_us) {
  const StepRun& run = c.steps.at(step.id);
  if (run.state == "retry" && now < run.next_us) {
    next_us = next_us == 0 ? run.next_us : std::min(next_us, run.next_us);
    return false;
  }
  int attempts = 0;
  if (!markRunning(c, step, now, attempts)) return false;
  auto fresh = store_.get(c.id);
  if (!fresh || !*fresh) return true;
  auto path = writeReports(**fresh);
  if (!path) failAttempt(**fresh, step, path.error().message, true, now, next_us);
  else finishStep(**fresh, step, "done", "report written: " + *path, {{"path", *path}});
  return true;
}

bool ResponderEngine::runStep(const CaseRecord& c, const Playbook& p, const Step& step, int64_t now,
                              int64_t& next_us) {
  switch (step.kind) {
    case StepKind::kNotify: return runNotify(c, p, step, now, next_us);
    case StepKind::kEscalate: return runEscalate(c, p, step, now, next_us);
    case StepKind::kApproval: return runApproval(c, p, step, now, next_us);
    case StepKind::kAction: return runAction(c, p, step, now, next_us);
    case StepKind::kEvidence: return runEvidence(c, p, step, now, next_us);
    case StepKind::kReport: return runReport(c, step, now, next_us);
    case StepKind::kManual:
      if (c.steps.at(step.id).state == "pending") return setWaiting(c, step, now, 0, "for a person to do and mark done");
      return false;
  }
  return false;
}

bool ResponderEngine::advanceOnce(const std::string& case_id, int64_t& next_us) {
  auto got = store_.get(case_id);
  if (!got || !*got) return false;
  const CaseRecord& c = **got;
  if (c.state == "closed") return false;
  const Playbook* p = playbooks_->byId(c.playbook);
  if (!p) {
    logging::get("responder")->error("A case's playbook is not loaded; its steps wait. case={} playbook={}", c.id,
                                     c.playbook);
    return false;
  }
  // A case new to the engine (or whose playbook gained steps) gets a pending run per step.
  bool missing = false;
  for (const auto& s : p->steps) missing = missing || !c.steps.count(s.id);
  if (missing) {
    auto updated = change(c.id, "hinomi", "case.started", {{"playbook", p->id}, {"dry_run", dryRun(*p)}},
                          [&](CaseRecord& k) -> Status {
                            for (const auto& s : p->steps) k.steps.try_emplace(s.id);
                            return {};
                          }, false);
    return bool(updated);
  }
  const int64_t now = clock_.nowMicros();
  bool changed = false;
  // Two passes: first the steps that only start waiting or check a deadline (approval, manual,
  // escalate), then those with side effects, so a slow evidence collection or a webhook's timeout
  // never keeps an approval request from reaching people.
  auto waits = [](const Step& s) {
    return s.kind == StepKind::kApproval || s.kind == StepKind::kManual || s.kind == StepKind::kEscalate;
  };
  std::vector<const Step*> order;
  for (const auto& step : p->steps)
    if (waits(step)) order.push_back(&step);
  for (const auto& step : p->steps)
    if (!waits(step)) order.push_back(&step);
  for (const Step* sp : order) {
    const Step& step = *sp;
    const StepRun& run = c.steps.at(step.id);
    if (run.finished()) continue;
    // A step runs once every step it waits for succeeded; one that did not skips it.
    std::string blocked, failed_dep;
    for (const auto& dep : step.after) {
      auto it = c.steps.find(dep);
      if (it == c.steps.end() || !it->second.finished()) blocked = dep;
      else if (!it->second.succeeded()) failed_dep = dep + " " + it->second.state;
    }
    if (!failed_dep.empty()) {
      finishStep(c, step, "skipped", "it waits for " + failed_dep, {});
      changed = true;
      continue;
    }
    if (!blocked.empty()) continue;
    changed = runStep(c, *p, step, now, next_us) || changed;
  }
  return changed;
}

int64_t ResponderEngine::advance(const std::string& case_id) {
  int64_t next_us = 0;
  // Each round sees what the last one wrote (a finished step frees those after it). Bounded: a
  // playbook has few steps, each moving forward only.
  for (int round = 0; round < 64; ++round) {
    int64_t n = 0;
    if (!advanceOnce(case_id, n)) {
      next_us = n;
      break;
    }
    if (n != 0) next_us = next_us == 0 ? n : std::min(next_us, n);
  }
  auto got = store_.get(case_id);
  if (got && *got) {
    // Whatever this round set as the earliest due time, the stored runs say it too: recompute from them.
    int64_t due = 0;
    for (const auto& [id, run] : (*got)->steps)
      if (!run.finished() && run.next_us > 0) due = due == 0 ? run.next_us : std::min(due, run.next_us);
    if (due != 0) next_us = next_us == 0 ? due : std::min(next_us, due);
    std::lock_guard<std::mutex> lock(mu_);
    if ((*got)->state == "closed") due_.erase(case_id);
  }
  return next_us;
}

size_t ResponderEngine::advanceDue() {
  auto all = store_.list();
  if (!all) return 0;
  size_t n = 0;
  for (const auto& c : *all) {
    if (c.state == "closed") continue;
    advance(c.id);
    ++n;
  }
  return n;
}

Result<std::string> ResponderEngine::writeReports(const CaseRecord& c) {
  const Playbook* p = playbooks_->byId(c.playbook);
  if (!p) return makeError(ErrorCode::kNotFound, "playbook " + c.playbook + " is not loaded");
  if (settings_.report_dir.empty()) return makeError(ErrorCode::kInvalidArgument, "no report directory is set");
  ReportInput in;
  in.kase = &c;
  in.playbook = p;
  in.tenant = tenantOf(c);
  if (auto incidents = store_.incidentsOf(c)) in.incidents = std::move(*incidents);
  in.generated_us = clock_.nowMicros();
  std::error_code ec;
  std::filesystem::create_directories(settings_.report_dir, ec);
  std::string ja_md;
  for (auto [lang, suffix] : {std::pair{ReportLang::kJa, "ja"}, std::pair{ReportLang::kEn, "en"}}) {
    const std::string base = settings_.report_dir + "/" + c.id + "." + suffix;
    for (auto [ext, text] : {std::pair{std::string(".md"), reportMarkdown(in, lang)},
                             std::pair{std::string(".json"), reportJson(in, lang).dump(2) + "\n"}}) {
      // Written beside and renamed: a reader never sees half a report.
      const std::string tmp = base + ext + ".tmp";
      {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) return makeError(ErrorCode::kIo, "cannot write " + tmp);
      }
      std::filesystem::rename(tmp, base + ext, ec);
      if (ec) return makeError(ErrorCode::kIo, "cannot write " + base + ext + ": " + ec.message());
    }
    if (lang == ReportLang::kJa) ja_md = base + ".md";
  }
  return ja_md;
}

Result<CaseRecord> ResponderEngine::apply(const CaseCommand& cmd) {
  if (cmd.user.empty()) return makeError(ErrorCode::kInvalidArgument, "a command needs the user who gives it");
  auto got = store_.get(cmd.case_id);
  if (!got) return tl::unexpected(got.error());
  if (!*got) return makeError(ErrorCode::kNotFound, "no case " + cmd.case_id);
  const CaseRecord& c = **got;
  const Playbook* p = playbooks_->byId(c.playbook);
  if (!p) return makeError(ErrorCode::kNotFound, "the case's playbook " + c.playbook + " is not loaded");
  if (c.state == "closed" && cmd.op != "comment")
    return makeError(ErrorCode::kInvalidArgument, "case " + c.id + " is closed");
  const int64_t now = clock_.nowMicros();
  auto& m = ResponderMetrics::get();
  const Step* step = nullptr;
  if (!cmd.step.empty())
    for (const auto& s : p->steps)
      if (s.id == cmd.step) step = &s;
  auto needStep = [&](StepKind kind) -> Status {
    if (!step)
      return makeError(ErrorCode::kInvalidArgument, "playbook " + p->id + " has no step '" + cmd.step + "'");
    if (step->kind != kind)
      return makeError(ErrorCode::kInvalidArgument,
                       "step " + step->id + " is a " + stepKindName(step->kind) + " step, not " + stepKindName(kind));
    return {};
  };
  Result<CaseRecord> out = makeError(ErrorCode::kInvalidArgument, "unknown command '" + cmd.op + "'");
  nlohmann::json detail = {{"step", cmd.step}};
  if (cmd.op == "acknowledge") {
    out = change(c.id, cmd.user, "case.acknowledged", detail, [&](CaseRecord& k) -> Status {
      if (k.acknowledged_us > 0)
        return makeError(ErrorCode::kInvalidArgument,
                         "already acknowledged by " + k.acknowledged_by + " at " + formatJst(k.acknowledged_us));
      k.acknowledged_us = now;
      k.acknowledged_by = cmd.user;
      k.state = "acknowledged";
      k.timeline.push_back({now, "acknowledged", "", cmd.user});
      return {};
    });
    if (out) observeSeconds(m.time_to_ack, out->opened_us, now);
  } else if (cmd.op == "assign") {
    out = change(c.id, cmd.user, "case.assigned", {{"assignee", cmd.text}}, [&](CaseRecord& k) -> Status {
      k.assignee = cmd.text;
      k.timeline.push_back({now, "assigned", "", cmd.user + " → " + cmd.text});
      return {};
    });
  } else if (cmd.op == "approve" || cmd.op == "deny") {
    if (auto st = needStep(StepKind::kApproval); !st) return tl::unexpected(st.error());
    if (!step->role.empty() && cmd.role != step->role)
      return makeError(ErrorCode::kInvalidArgument,
                       "step " + step->id + " is approved by the role " + step->role + ", not '" + cmd.role + "'");
    const bool yes = cmd.op == "approve";
    detail["role"] = cmd.role;
    detail["note"] = cmd.text;
    out = change(c.id, cmd.user, yes ? "step.approved" : "step.denied", detail, [&](CaseRecord& k) -> Status {
      auto& run = k.steps[step->id];
      if (run.state != "waiting")
        return makeError(ErrorCode::kInvalidArgument, "step " + step->id + " is " + run.state + ", not waiting for approval");
      run.state = yes ? "done" : "denied";
      run.by = cmd.user;
      run.note = (yes ? "approved by " : "denied by ") + cmd.user + " (" + cmd.role + ")" +
                 (cmd.text.empty() ? "" : ": " + cmd.text);
      run.finished_us = now;
      run.next_us = 0;
      k.timeline.push_back({now, yes ? "approved" : "denied", step->id, run.note});
      return {};
    });
    if (out) m.steps->Add({{"kind", "approval"}, {"outcome", yes ? "done" : "denied"}}).Increment();
  } else if (cmd.op == "complete") {
    if (auto st = needStep(StepKind::kManual); !st) return tl::unexpected(st.error());
    detail["note"] = cmd.text;
    out = change(c.id, cmd.user, "step.completed", detail, [&](CaseRecord& k) -> Status {
      auto& run = k.steps[step->id];
      if (run.state != "waiting")
        return makeError(ErrorCode::kInvalidArgument,
                         "step " + step->id + " is " + run.state + (run.state == "pending" ? " (it waits for earlier steps)" : ""));
      run.state = "done";
      run.by = cmd.user;
      run.note = "done by " + cmd.user + (cmd.text.empty() ? "" : ": " + cmd.text);
      run.finished_us = now;
      k.timeline.push_back({now, "step", step->id, run.note});
      return {};
    });
    if (out) m.steps->Add({{"kind", "manual"}, {"outcome", "done"}}).Increment();
  } else if (cmd.op == "comment") {
    if (cmd.text.empty()) return makeError(ErrorCode::kInvalidArgument, "a comment needs text");
    out = change(c.id, cmd.user, "case.commented", {{"text", cmd.text}}, [&](CaseRecord& k) -> Status {
      k.timeline.push_back({now, "comment", cmd.user, cmd.text});
      return {};
    });
  } else if (cmd.op == "report_value") {
    bool known = false;
    for (const auto& item : p->report) known = known || item.id == cmd.step;
    if (!known) return makeError(ErrorCode::kInvalidArgument, "playbook " + p->id + " has no report item '" + cmd.step + "'");
    out = change(c.id, cmd.user, "case.report_value", {{"item", cmd.step}, {"text", cmd.text}}, [&](CaseRecord& k) -> Status {
      k.report_values[cmd.step] = cmd.text;
      return {};
    });
  } else if (cmd.op == "close") {
    for (const auto& [id, v] : cmd.record.items()) {
      bool known = false;
      for (const auto& item : p->recurrence_prevention) known = known || item.id == id;
      if (!known) return makeError(ErrorCode::kInvalidArgument, "playbook " + p->id + " has no 再発防止 item '" + id + "'");
      if (!v.is_string()) return makeError(ErrorCode::kInvalidArgument, "再発防止 item " + id + " must be text");
    }
    out = change(c.id, cmd.user, "case.closed", {{"record", cmd.record}}, [&](CaseRecord& k) -> Status {
      nlohmann::json record = k.record;
      for (const auto& [id, v] : cmd.record.items()) record[id] = v;
      std::vector<std::string> missing;
      for (const auto& item : p->recurrence_prevention)
        if (item.required && (!record.contains(item.id) || record[item.id].get<std::string>().empty()))
          missing.push_back(item.id + " (" + item.label + ")");
      if (!missing.empty())
        return makeError(ErrorCode::kInvalidArgument,
                         "the 再発防止 record is incomplete; a case closes only with: " + joinText(missing, ", "));
      k.record = record;
      for (auto& [id, run] : k.steps)
        if (!run.finished()) {
          run.state = "skipped";
          run.note = "the case was closed";
          run.finished_us = now;
          run.next_us = 0;
        }
      k.state = "closed";
      k.closed_us = now;
      k.closed_by = cmd.user;
      k.timeline.push_back({now, "closed", "", cmd.user});
      return {};
    });
    if (out) {
      if (auto written = writeReports(*out); !written)
        logging::get("responder")->warn("Cannot write the closed case's report. case={} error={}", c.id,
                                        written.error().message);
    }
  }
  if (!out) return out;
  m.commands->Increment();
  logging::get("responder")->info("Command applied. op={} case={} step={} user={}", cmd.op, c.id, cmd.step, cmd.user);
  wake(c.id);
  return out;
}

void ResponderEngine::schedule(const std::string& case_id, int64_t at_us) {
  std::lock_guard<std::mutex> lock(mu_);
  due_[case_id] = at_us;
  cv_.notify_all();
}

void ResponderEngine::wake(const std::string& case_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (queued_or_busy_.count(case_id)) {
    rewake_.insert(case_id);
    return;
  }
  queued_or_busy_.insert(case_id);
  ready_.push_back(case_id);
  work_cv_.notify_one();
}

Status ResponderEngine::start() {
  auto all = store_.list();
  if (!all) return tl::unexpected(all.error());
  size_t open = 0;
  for (const auto& c : *all)
    if (c.state != "closed") {
      ++open;
      wake(c.id);  // every case not closed is looked at once: in-doubt steps resume, deadlines are read
    }
  logging::get("responder")->info("Responder engine started. open_cases={} workers={} dry_run={}", open,
                                  settings_.workers, settings_.dry_run);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  main_ = std::thread([this] { mainLoop(); });
  for (int i = 0; i < std::max(1, settings_.workers); ++i) workers_.emplace_back([this] { workerLoop(); });
  return {};
}

void ResponderEngine::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  work_cv_.notify_all();
  if (main_.joinable()) main_.join();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  workers_.clear();
}

void ResponderEngine::workerLoop() {
  for (;;) {
    std::string id;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;
      id = std::move(ready_.front());
      ready_.pop_front();
    }
    int64_t next = 0;
    try {
      next = advance(id);
    } catch (const std::exception& e) {
      // One case's bug must not take the responder down: logged, looked at again in a minute.
      logging::get("responder")->error("Advancing a case failed. case={} error={}", id, e.what());
      next = clock_.nowMicros() + 60'000'000;
    }
    std::lock_guard<std::mutex> lock(mu_);
    queued_or_busy_.erase(id);
    if (rewake_.erase(id)) {
      queued_or_busy_.insert(id);
      ready_.push_back(id);
      work_cv_.notify_one();
    }
    if (next > 0) due_[id] = next;
    else due_.erase(id);
    cv_.notify_all();
  }
}

void ResponderEngine::updateCaseGauges() {
  auto counted = store_.countByState();
  if (!counted) return;
  std::map<std::string, int64_t> by_state = {{"open", 0}, {"acknowledged", 0}, {"closed", 0}};
  for (const auto& [state, n] : *counted) by_state[state] = n;
  for (const auto& [state, n] : by_state) ResponderMetrics::get().cases->Add({{"state", state}}).Set(double(n));
}

void ResponderEngine::mainLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  int64_t gauges_at = 0;
  while (!stopping_) {
    lock.unlock();
    if (inbox_) inbox_();  // people's commands from the CLI (command_inbox.h)
    if (SystemClock::instance().nowMicros() >= gauges_at) {
      // Counted from the store's state index every 10 s: exact after any crash.
      updateCaseGauges();
      gauges_at = SystemClock::instance().nowMicros() + 10'000'000;
    }
    lock.lock();
    if (stopping_) break;
    const int64_t now = clock_.nowMicros();
    int64_t earliest = 0;
    for (auto it = due_.begin(); it != due_.end();) {
      if (it->second <= now && !queued_or_busy_.count(it->first)) {
        queued_or_busy_.insert(it->first);
        ready_.push_back(it->first);
        work_cv_.notify_one();
        it = due_.erase(it);
        continue;
      }
      if (earliest == 0 || it->second < earliest) earliest = it->second;
      ++it;
    }
    // Woken by schedule() or stop(); otherwise at least every 200 ms, as the clock may be a fake
    // one that tests move.
    int64_t wait_us = 200'000;
    if (earliest > now) wait_us = std::min(wait_us, earliest - now);
    cv_.wait_for(lock, std::chrono::microseconds(std::max<int64_t>(wait_us, 1000)));
  }
}

}  // namespace hinomi::playbooks
