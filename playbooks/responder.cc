#include "playbooks/responder.h"

#include "common/logging.h"
#include "playbooks/command_inbox.h"
#include "playbooks/playbook_loader.h"

namespace hinomi::playbooks {

EngineSettings engineSettings(const config::HinomiConfig& cfg) {
  const auto& r = cfg.responder;
  EngineSettings s;
  s.dry_run = r.dry_run;
  s.max_attempts = int(r.max_attempts);
  s.retry_initial_us = r.retry_initial_ms * 1000;
  s.retry_max_us = r.retry_max_secs * 1000000;
  s.workers = int(r.workers);
  s.smtp_configured = !r.smtp.url.empty();
  s.console_url = r.console_url;
  s.report_dir = cfg.data_dir + "/reports";
  s.never_touch = r.never_touch;
  s.max_actions_per_minute = int(r.max_actions_per_minute);
  return s;
}

LiveEffectsOptions liveEffectsOptions(const config::HinomiConfig& cfg, bus::Bus* bus) {
  const auto& r = cfg.responder;
  LiveEffectsOptions o;
  o.smtp.url = r.smtp.url;
  o.smtp.from = r.smtp.from;
  o.smtp.username = r.smtp.username;
  o.smtp.password = r.smtp.password;
  o.smtp.require_tls = r.smtp.require_tls;
  o.smtp.timeout = std::chrono::seconds(r.smtp.timeout_secs);
  o.chat = effects::chatFormatNamed(r.chat_format).value_or(effects::ChatFormat::kSlack);
  o.bus = bus;
  o.events_topic = cfg.topics.events;
  o.evidence_dir = cfg.data_dir + "/evidence";
  o.evidence_max_events = size_t(r.evidence_max_events);
  return o;
}

Result<std::unique_ptr<Responder>> Responder::start(const config::HinomiConfig& cfg, bus::Bus& bus,
                                                    std::shared_ptr<const correlator::TenantPolicies> tenants) {
  auto log = logging::get("responder");
  auto plays = std::make_shared<PlaybookLoad>(loadPlaybookDirectories(cfg.playbooks, !cfg.playbooks_in_file));
  for (const auto& e : plays->errors) log->error("Playbook refused. {}", e.toString());
  std::unique_ptr<Responder> r(new Responder());
  r->playbooks_ = plays;
  auto store = CaseStore::open(cfg.responderStatePath());
  if (!store) return tl::unexpected(store.error());
  r->store_ = std::move(*store);
  r->effects_ = std::make_unique<LiveEffects>(liveEffectsOptions(cfg, &bus));
  r->engine_ = std::make_unique<ResponderEngine>(*r->store_, plays, std::move(tenants), *r->effects_,
                                                 SystemClock::instance(), engineSettings(cfg));
  const std::string inbox = commandInboxPath(cfg);
  r->engine_->setInboxPoller([inbox, engine = r->engine_.get()] { applyCommands(inbox, *engine); });
  if (auto st = r->engine_->start(); !st) return tl::unexpected(st.error());
  CaseIntakeOptions intake;
  intake.incidents_topic = cfg.topics.incidents;
  intake.group = cfg.responder.group;
  intake.on_case = [engine = r->engine_.get()](const std::string& id) { engine->wake(id); };
  auto started = CaseIntake::start(bus, intake, *r->store_, plays);
  if (!started) return tl::unexpected(started.error());
  r->intake_ = std::move(*started);
  if (cfg.responder.smtp.url.empty())
    log->warn("No SMTP server is configured (responder.smtp.url): e-mail notifications are recorded as not sent");
  log->info("Responder started. playbooks={} refused_files={} dry_run={}", plays->playbooks.size(), plays->errors.size(),
            cfg.responder.dry_run);
  return r;
}

Responder::~Responder() { stop(); }

void Responder::stop() {
  if (intake_) intake_->stop();
  intake_.reset();
  if (engine_) engine_->stop();
}

}  // namespace hinomi::playbooks
