#pragma once
// The responder's first stage in `hinomi run` (and later `hinomi responder`): a consumer group on
// the incidents topic that takes every incident into the case store (case_store.h). At least
// once: a batch's offsets are committed only after each of its incidents is stored, and a
// re-delivered incident is a duplicate of itself, so a crash neither loses nor doubles a case.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/bus/bus.h"
#include "common/result.h"
#include "playbooks/case_store.h"
#include "playbooks/playbook_loader.h"

namespace hinomi::playbooks {

struct CaseIntakeOptions {
  std::string incidents_topic = "hinomi.incidents";
  std::string group = "hinomi-responder";
  size_t batch_size = 500;
  std::chrono::milliseconds poll_timeout{200};
  std::chrono::milliseconds retry_backoff{500};  // after a store or bus error, before trying again
  std::function<void(const std::string& case_id)> on_case;  // a case opened or took an incident in
};

class CaseIntake {
 public:
  // `bus`, `store` and `playbooks` outlive the intake.
  static Result<std::unique_ptr<CaseIntake>> start(bus::Bus& bus, CaseIntakeOptions options, CaseStore& store,
                                                   std::shared_ptr<const PlaybookLoad> playbooks);
  ~CaseIntake();
  // Finishes the batch in hand, commits it and leaves the group.
  void stop();

 private:
  CaseIntake() = default;
  void loop();

  CaseIntakeOptions options_;
  std::unique_ptr<bus::Consumer> consumer_;
  CaseStore* store_ = nullptr;
  std::shared_ptr<const PlaybookLoad> playbooks_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace hinomi::playbooks
