#pragma once
// The real side effects of playbook steps: e-mail over SMTP, webhooks and chat over HTTP, HTTP
// actions and programs (playbooks/effects/), evidence from the events topic (evidence_bundle.h).
// Every request carries the step's idempotency key.

#include <string>

#include "common/bus/bus.h"
#include "playbooks/effects/chat_message.h"
#include "playbooks/effects/smtp_mail.h"
#include "playbooks/step_effects.h"

namespace hinomi::playbooks {

struct LiveEffectsOptions {
  effects::SmtpSettings smtp;
  effects::ChatFormat chat = effects::ChatFormat::kSlack;
  bus::Bus* bus = nullptr;  // evidence reads the events topic; null: evidence steps fail (retried)
  std::string events_topic = "hinomi.events";
  std::string evidence_dir;
  size_t evidence_max_events = 100000;
  std::chrono::milliseconds notify_timeout{10000};
};

class LiveEffects final : public StepEffects {
 public:
  explicit LiveEffects(LiveEffectsOptions options) : options_(std::move(options)) {}
  EffectOutcome notify(const Delivery& d) override;
  EffectOutcome http(const RenderedHttp& call, const std::string& key, std::chrono::milliseconds timeout) override;
  EffectOutcome program(const RenderedProgram& run, const std::string& key, std::chrono::milliseconds timeout) override;
  EffectOutcome evidence(const CaseRecord& c, const Step& step,
                         const std::vector<correlator::Incident>& incidents) override;

 private:
  LiveEffectsOptions options_;
};

}  // namespace hinomi::playbooks
