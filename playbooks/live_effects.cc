#include "playbooks/live_effects.h"

#include <set>

#include "common/time.h"
#include "playbooks/effects/http_call.h"
#include "playbooks/effects/program_run.h"
#include "playbooks/evidence_bundle.h"

namespace hinomi::playbooks {
namespace {

std::string clip(const std::string& s, size_t n = 2000) { return s.size() <= n ? s : s.substr(0, n) + "…"; }

// What an HTTP status means for a retry: 2xx done; 408, 425, 429 and 5xx are worth another try;
// any other refusal will not change by asking again.
EffectOutcome fromHttp(const Result<effects::HttpResponse>& r) {
  EffectOutcome out;
  if (!r) {
    out.note = r.error().message;
    out.retryable = r.error().code != ErrorCode::kInvalidArgument;
    return out;
  }
  out.result = {{"status", r->status}, {"response", clip(r->body)}};
  out.ok = r->status >= 200 && r->status < 300;
  out.retryable = r->status == 408 || r->status == 425 || r->status == 429 || r->status >= 500;
  out.note = "HTTP " + std::to_string(r->status);
  return out;
}

}  // namespace

EffectOutcome LiveEffects::notify(const Delivery& d) {
  if (d.channel == "email") {
    effects::EmailMessage m;
    m.to = {d.address};
    m.subject = d.subject;
    m.body = d.text;
    m.message_id = d.key + "@hinomi";
    m.headers = {{"X-Hinomi-Idempotency-Key", d.key}};
    EffectOutcome out;
    auto st = effects::sendEmail(options_.smtp, m);
    out.ok = bool(st);
    if (!st) {
      out.note = st.error().message;
      out.retryable = st.error().code != ErrorCode::kInvalidArgument;
    } else {
      out.note = "sent";
    }
    return out;
  }
  effects::HttpRequest req;
  req.method = "POST";
  req.url = d.address;
  req.timeout = options_.notify_timeout;
  req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", d.key}};
  req.body = d.channel == "chat" ? effects::chatBody(options_.chat, d.subject, d.text, d.link) : d.payload.dump();
  return fromHttp(effects::sendHttp(req));
}

EffectOutcome LiveEffects::http(const RenderedHttp& call, const std::string& key, std::chrono::milliseconds timeout) {
  (void)key;  // already among the headers (Idempotency-Key)
  effects::HttpRequest req;
  req.method = call.method;
  req.url = call.url;
  req.headers = call.headers;
  req.body = call.body;
  req.timeout = timeout;
  return fromHttp(effects::sendHttp(req));
}

EffectOutcome LiveEffects::program(const RenderedProgram& run, const std::string& key, std::chrono::milliseconds timeout) {
  (void)key;  // already in the environment (HINOMI_IDEMPOTENCY_KEY)
  effects::ProgramRequest req;
  req.argv = run.argv;
  req.env = run.env;
  req.timeout = timeout;
  auto r = effects::runProgram(req);
  EffectOutcome out;
  if (!r) {
    out.note = r.error().message;
    out.retryable = r.error().code != ErrorCode::kInvalidArgument;
    return out;
  }
  out.result = {{"exit_code", r->exit_code}, {"signal", r->signal}, {"timed_out", r->timed_out},
                {"stdout", clip(r->out)}, {"stderr", clip(r->err)}, {"duration_ms", r->duration_us / 1000}};
  out.ok = !r->timed_out && r->signal == 0 && r->exit_code == 0;
  out.note = r->timed_out ? "timed out after " + std::to_string(timeout.count()) + " ms"
             : r->signal ? "killed by signal " + std::to_string(r->signal)
                         : "exit " + std::to_string(r->exit_code);
  return out;
}

EffectOutcome LiveEffects::evidence(const CaseRecord& c, const Step& step,
                                    const std::vector<correlator::Incident>& incidents) {
  EffectOutcome out;
  if (!options_.bus) {
    out.note = "no bus to read the events from";
    return out;
  }
  std::set<std::string> ids, hosts;
  int64_t last = c.first_ts_us;
  for (const auto& inc : incidents) {
    ids.insert(inc.event_ids.begin(), inc.event_ids.end());
    if (auto h = inc.fields.value("host.name", std::string_view()); !h.empty()) hosts.insert(std::string(h));
    last = std::max(last, inc.last_ts_us);
  }
  auto events = collectCaseEvents(*options_.bus, options_.events_topic, c.tenant, ids, hosts,
                                  c.first_ts_us - step.before_secs * 1000000, last, options_.evidence_max_events);
  if (!events) {
    out.note = events.error().message;
    return out;
  }
  auto manifest = writeEvidenceBundle(options_.evidence_dir, c.id, step.id, *events, SystemClock::instance().nowMicros());
  if (!manifest) {
    out.note = manifest.error().message;
    return out;
  }
  out.ok = true;
  out.note = std::to_string(manifest->events) + " event(s) preserved, bundle SHA-256 " + manifest->bundle_sha256;
  out.result = manifest->toJson();
  return out;
}

}  // namespace hinomi::playbooks
