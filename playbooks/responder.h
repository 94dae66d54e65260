#pragma once
// The responder as a running part of hinomi: intake (incidents → cases) and the engine (cases →
// steps) over one case store, audit log and command inbox, with the real side effects. `hinomi run`
// starts it beside the collector and correlator; `hinomi responder` starts it alone on Kafka.

#include <memory>

#include "common/bus/bus.h"
#include "common/config/hinomi_config.h"
#include "common/result.h"
#include "correlator/enrich/tenant_policy.h"
#include "playbooks/audit_log.h"
#include "playbooks/case_intake.h"
#include "playbooks/case_store.h"
#include "playbooks/live_effects.h"
#include "playbooks/responder_engine.h"

namespace hinomi::playbooks {

// The engine's settings from the configuration (paths under data_dir).
EngineSettings engineSettings(const config::HinomiConfig& cfg);
LiveEffectsOptions liveEffectsOptions(const config::HinomiConfig& cfg, bus::Bus* bus);
// Where the CLI drops commands for a running responder.
inline std::string commandInboxPath(const config::HinomiConfig& cfg) { return cfg.data_dir + "/commands"; }

class Responder {
 public:
  // Playbook files with errors are logged and left out (as refused rules are); the others run.
  static Result<std::unique_ptr<Responder>> start(const config::HinomiConfig& cfg, bus::Bus& bus,
                                                  std::shared_ptr<const correlator::TenantPolicies> tenants);
  ~Responder();
  // Intake first (the batch in hand is stored and committed), then the engine (the case in hand
  // finishes its current step).
  void stop();

  CaseStore& store() { return *store_; }
  ResponderEngine& engine() { return *engine_; }
  std::shared_ptr<const PlaybookLoad> playbooks() const { return playbooks_; }

 private:
  Responder() = default;
  std::unique_ptr<CaseStore> store_;
  std::unique_ptr<LiveEffects> effects_;
  std::unique_ptr<ResponderEngine> engine_;
  std::unique_ptr<CaseIntake> intake_;
  std::shared_ptr<const PlaybookLoad> playbooks_;
};

}  // namespace hinomi::playbooks
