#pragma once
// The REST API over the responder's cases (/api/v1, JSON): list and filter, one case in full
// (timeline, incidents, steps, audit entries), the commands people give (acknowledge, assign,
// comment, approve/deny, complete, note, close) and the report. Every request carries a bearer
// token (api_users.h); a user sees only its tenants' cases — another tenant's case is a 404, the
// same as one that does not exist — and may do only what its role allows. Commands go through the
// responder engine, which checks and audits them with the user's name.

#include <memory>

#include "common/http_server.h"
#include "console/api/api_users.h"
#include "console/api/case_events.h"
#include "console/api/sessions.h"
#include "playbooks/case_store.h"
#include "playbooks/playbook_loader.h"
#include "playbooks/responder.h"
#include "playbooks/responder_engine.h"

namespace hinomi::console {

struct CasesApiContext {
  playbooks::CaseStore* store = nullptr;
  playbooks::ResponderEngine* engine = nullptr;
  std::shared_ptr<const playbooks::PlaybookLoad> playbooks;
  std::string report_dir;  // where the engine writes reports
  ApiUsers users;
  std::shared_ptr<CaseEvents> events;  // live updates (GET /api/v1/events); null: none
  std::shared_ptr<Sessions> sessions = std::make_shared<Sessions>();
  std::shared_ptr<LoginLimiter> login_limiter = std::make_shared<LoginLimiter>();
  bool secure_cookies = true;  // the session cookie's Secure flag
};

// Adds the /api/v1 routes to `http` (before it starts). `ctx` must outlive the server.
void mountCasesApi(HttpServer& http, const CasesApiContext& ctx);

// With api.users set: loads the users and mounts the API over `responder`'s cases into `ctx` (which
// must outlive the server); false when the configuration has no API.
Result<bool> mountConfiguredApi(const config::HinomiConfig& cfg, HttpServer& http, playbooks::Responder& responder,
                                CasesApiContext& ctx);

// The OpenAPI 3 document served at /api/v1/openapi.json.
const std::string& openApiDocument();

}  // namespace hinomi::console
