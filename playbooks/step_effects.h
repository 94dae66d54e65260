#pragma once
// The side effects a playbook's steps have on the world — a notification, an HTTP call, a program,
// an evidence snapshot — behind one interface, so the engine's state machine is tested with a
// recording fake and run with the real transports (live_effects.h). Every effect carries its
// idempotency key: the receiver (Idempotency-Key header, Message-ID, HINOMI_IDEMPOTENCY_KEY) can
// tell a re-send after a crash from a new request.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "correlator/incident.h"
#include "playbooks/case_record.h"
#include "playbooks/playbook.h"

namespace hinomi::playbooks {

// One notification to one address.
struct Delivery {
  std::string channel;  // email, webhook, chat
  std::string role;
  std::string name;     // the contact's name
  std::string address;  // e-mail address or webhook URL
  std::string key;      // idempotency key: case id : step id : channel : role : n
  std::string subject;
  std::string text;
  std::string link;     // the case in the console, or ""
  nlohmann::json payload;  // webhook: the JSON body
};

struct RenderedHttp {
  std::string method, url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct RenderedProgram {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
};

struct EffectOutcome {
  bool ok = false;
  bool retryable = true;  // a failure worth another attempt
  std::string note;       // for people: what happened
  nlohmann::json result = nlohmann::json::object();
};

class StepEffects {
 public:
  virtual ~StepEffects() = default;
  virtual EffectOutcome notify(const Delivery& d) = 0;
  virtual EffectOutcome http(const RenderedHttp& call, const std::string& key, std::chrono::milliseconds timeout) = 0;
  virtual EffectOutcome program(const RenderedProgram& run, const std::string& key,
                                std::chrono::milliseconds timeout) = 0;
  // Preserves the case's raw events (from `before_secs` before its first incident to its last).
  virtual EffectOutcome evidence(const CaseRecord& c, const Step& step,
                                 const std::vector<correlator::Incident>& incidents) = 0;
};

}  // namespace hinomi::playbooks
