#include "console/api/cases_api.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <httplib.h>
#include <rocksdb/db.h>

#include "common/logging.h"
#include "common/time.h"
#include "playbooks/case_context.h"

namespace hinomi::console {
namespace {

using playbooks::CaseRecord;

void reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void fail(httplib::Response& res, int status, const std::string& message) {
  reply(res, status, {{"error", {{"status", status}, {"message", message}}}});
}

constexpr const char* kSessionCookie = "hinomi_session";

std::string cookieValue(const httplib::Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return "";
}

// The user of a request — by bearer token, or by session cookie (then a change must carry the
// session's CSRF token in X-CSRF-Token) — or nullopt after replying 401 / 403.
std::optional<ApiUser> authenticate(const CasesApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string header = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  std::optional<ApiUser> user;
  if (header.size() > prefix.size() && header.compare(0, prefix.size(), prefix) == 0) {
    user = ctx.users.byToken(header.substr(prefix.size()));
  } else if (const std::string id = cookieValue(req, kSessionCookie); !id.empty() && ctx.sessions) {
    if (auto session = ctx.sessions->find(id, SystemClock::instance().nowMicros())) {
      if (req.method != "GET" && req.method != "HEAD" && req.get_header_value("X-CSRF-Token") != session->csrf) {
        fail(res, 403, "a change made with a session needs its CSRF token (X-CSRF-Token)");
        return std::nullopt;
      }
      user = ctx.users.byName(session->user);
    }
  }
  if (!user) {
    res.set_header("WWW-Authenticate", "Bearer");
    fail(res, 401, "log in, or send a valid API token (Authorization: Bearer TOKEN)");
  }
  return user;
}

nlohmann::json whoami(const ApiUser& u) {
  return {{"user", u.name}, {"role", apiRoleName(u.role)}, {"tenants", u.tenants}, {"acts_as", u.acts_as}};
}

void login(const CasesApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto in = nlohmann::json::parse(req.body, nullptr, false);
  if (!in.is_object() || !in.value("name", nlohmann::json()).is_string() ||
      !in.value("password", nlohmann::json()).is_string())
    return fail(res, 400, "send {\"name\": …, \"password\": …}");
  const std::string name = in["name"], password = in["password"];
  const int64_t now = SystemClock::instance().nowMicros();
  const std::string by_addr = "addr:" + req.remote_addr, by_name = "name:" + name;
  if (int64_t wait = std::max(ctx.login_limiter->waitSecs(by_addr, now), ctx.login_limiter->waitSecs(by_name, now)); wait > 0) {
    res.set_header("Retry-After", std::to_string(wait));
    return fail(res, 429, "too many failed logins; try again in " + std::to_string(wait) + " s");
  }
  auto user = ctx.users.byName(name);
  if (!user || user->password_scrypt.empty() || !user->passwordMatches(password)) {
    ctx.login_limiter->failed(by_addr, now);
    ctx.login_limiter->failed(by_name, now);
    logging::get("api")->warn("Login failed. user={} from={}", name.substr(0, 64), req.remote_addr);
    return fail(res, 401, "wrong name or password");
  }
  ctx.login_limiter->succeeded(by_name);
  auto [id, csrf] = ctx.sessions->create(user->name, now);
  res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + id + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                   std::to_string(ctx.sessions->idleSecs()) + (ctx.secure_cookies ? "; Secure" : ""));
  nlohmann::json body = whoami(*user);
  body["csrf_token"] = csrf;
  logging::get("api")->info("Login. user={} from={}", user->name, req.remote_addr);
  reply(res, 200, body);
}

void logout(const CasesApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  if (const std::string id = cookieValue(req, kSessionCookie); !id.empty()) ctx.sessions->remove(id);
  res.set_header("Set-Cookie", std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" +
                                   (ctx.secure_cookies ? "; Secure" : ""));
  reply(res, 200, {{"ok", true}});
}

// The case if it exists and the user may see it; otherwise replies 404 (the same for both).
std::optional<CaseRecord> visibleCase(const CasesApiContext& ctx, const ApiUser& user, const std::string& id,
                                      httplib::Response& res) {
  auto got = ctx.store->get(id);
  if (!got) {
    fail(res, 500, "cannot read the case store");
    return std::nullopt;
  }
  if (!*got || !user.seesTenant((*got)->tenant)) {
    fail(res, 404, "no case " + id);
    return std::nullopt;
  }
  return **got;
}

nlohmann::json summary(const CaseRecord& c) {
  return {{"id", c.id},
          {"tenant", c.tenant},
          {"playbook", c.playbook},
          {"title", c.title},
          {"rule_id", c.rule_id},
          {"level", c.level},
          {"state", c.state},
          {"group", c.group},
          {"incidents", c.incident_ids.size()},
          {"first_ts", formatRfc3339(c.first_ts_us)},
          {"opened", formatRfc3339(c.opened_us)},
          {"acknowledged", c.acknowledged_us ? formatRfc3339(c.acknowledged_us) : ""},
          {"acknowledged_by", c.acknowledged_by},
          {"assignee", c.assignee},
          {"closed", c.closed_us ? formatRfc3339(c.closed_us) : ""}};
}

nlohmann::json auditOf(const CasesApiContext& ctx, const std::string& case_id) {
  // The log is one chain for every case: read it through, keep this case's entries.
  nlohmann::json out = nlohmann::json::array();
  auto& audit = ctx.store->audit();
  std::unique_ptr<rocksdb::Iterator> it(audit.db()->NewIterator(rocksdb::ReadOptions(), audit.columnFamily()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto e = playbooks::AuditEntry::fromJson(it->value().ToString());
    if (e && e->case_id == case_id) {
      auto j = e->toJson();
      j["ts"] = formatRfc3339(e->ts_us);
      out.push_back(std::move(j));
    }
  }
  return out;
}

int64_t intParam(const httplib::Request& req, const char* name, int64_t dflt, int64_t lo, int64_t hi) {
  if (!req.has_param(name)) return dflt;
  try {
    return std::clamp<int64_t>(std::stoll(req.get_param_value(name)), lo, hi);
  } catch (...) {
    return dflt;
  }
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

void listCases(const CasesApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto user = authenticate(ctx, req, res);
  if (!user) return;
  auto all = ctx.store->list();
  if (!all) return fail(res, 500, "cannot read the case store");
  const std::string tenant = req.get_param_value("tenant"), state = req.get_param_value("state"),
                    level = req.get_param_value("level"), text = req.get_param_value("q");
  int64_t from = 0, to = INT64_MAX;
  for (auto [name, out] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
    if (!req.has_param(name)) continue;
    auto t = parseRfc3339(req.get_param_value(name));
    if (!t) return fail(res, 400, std::string(name) + ": expected an RFC 3339 time");
    *out = *t;
  }
  std::vector<const CaseRecord*> hits;
  for (const auto& c : *all) {
    if (!user->seesTenant(c.tenant)) continue;
    if (!tenant.empty() && c.tenant != tenant) continue;
    if (!state.empty() && c.state != state) continue;
    if (!level.empty() && c.level != level) continue;
    if (c.first_ts_us < from || c.first_ts_us > to) continue;
    if (!text.empty() && !contains(c.title, text) && !contains(c.group.dump(), text) && !contains(c.rule_id, text) &&
        !contains(c.id, text))
      continue;
    hits.push_back(&c);
  }
  // The queue's order: most severe first, then the oldest.
  std::stable_sort(hits.begin(), hits.end(), [](const CaseRecord* a, const CaseRecord* b) {
    int ra = playbooks::levelRank(a->level), rb = playbooks::levelRank(b->level);
    return ra != rb ? ra > rb : a->opened_us < b->opened_us;
  });
  const int64_t limit = intParam(req, "limit", 50, 1, 500), offset = intParam(req, "offset", 0, 0, INT64_MAX);
  nlohmann::json items = nlohmann::json::array();
  for (int64_t i = offset; i < int64_t(hits.size()) && i < offset + limit; ++i) items.push_back(summary(*hits[i]));
  nlohmann::json body = {{"items", items}, {"total", hits.size()}, {"offset", offset}, {"limit", limit}};
  if (offset + limit < int64_t(hits.size())) body["next_offset"] = offset + limit;
  reply(res, 200, body);
}

void getCase(const CasesApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto user = authenticate(ctx, req, res);
  if (!user) return;
  auto c = visibleCase(ctx, *user, req.matches[1], res);
  if (!c) return;
  nlohmann::json body = c->toJson();
  body["summary"] = summary(*c);
  nlohmann::json incidents = nlohmann::json::array();
  if (auto inc = ctx.store->incidentsOf(*c))
    for (const auto& i : *inc) incidents.push_back(nlohmann::json::parse(correlator::toJson(i)));
  body["incident_records"] = std::move(incidents);
  nlohmann::json steps = nlohmann::json::array();
  if (const auto* p = ctx.playbooks->byId(c->playbook))
    for (const auto& s : p->steps)
      steps.push_back({{"id", s.id}, {"phase", s.phase}, {"kind", playbooks::stepKindName(s.kind)}, {"after", s.after},
                       {"role", s.role}, {"text", s.text}, {"text_en", s.text_en}});
  body["playbook_steps"] = std::move(steps);
  body["audit"] = auditOf(ctx, c->id);
  reply(res, 200, body);
}

void command(const CasesApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto user = authenticate(ctx, req, res);
  if (!user) return;
  auto c = visibleCase(ctx, *user, req.matches[1], res);
  if (!c) return;
  const std::string op = req.matches[2];
  nlohmann::json in = req.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(req.body, nullptr, false);
  if (!in.is_object()) return fail(res, 400, "the body must be a JSON object");
  playbooks::CaseCommand cmd;
  cmd.op = op == "ack" ? "acknowledge" : op == "note" ? "report_value" : op;
  cmd.case_id = c->id;
  cmd.user = user->name;
  cmd.step = in.value("step", in.value("item", std::string()));
  cmd.text = in.value("text", in.value("assignee", std::string()));
  if (in.contains("record")) cmd.record = in["record"];
  if (user->role < ApiRole::kResponder) return fail(res, 403, "the viewer role cannot change cases");
  if (op == "approve" || op == "deny") {
    if (user->role < ApiRole::kApprover) return fail(res, 403, "only approvers approve or deny steps");
    const auto* p = ctx.playbooks->byId(c->playbook);
    std::string role;
    if (p)
      for (const auto& s : p->steps)
        if (s.id == cmd.step) role = s.role;
    if (user->role != ApiRole::kAdmin && !user->actsAs(role))
      return fail(res, 403, "user " + user->name + " does not act as " + (role.empty() ? "this step's role" : role));
    cmd.role = role;
  }
  auto applied = ctx.engine->apply(cmd);
  if (!applied) {
    const int status = applied.error().code == ErrorCode::kNotFound ? 404 : 409;
    return fail(res, status, applied.error().message);
  }
  reply(res, 200, summary(*applied));
}

void report(const CasesApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto user = authenticate(ctx, req, res);
  if (!user) return;
  auto c = visibleCase(ctx, *user, req.matches[1], res);
  if (!c) return;
  const std::string lang = req.has_param("lang") ? req.get_param_value("lang") : "ja";
  const std::string format = req.has_param("format") ? req.get_param_value("format") : "md";
  if ((lang != "ja" && lang != "en") || (format != "md" && format != "json"))
    return fail(res, 400, "lang is ja or en, format md or json");
  if (auto written = ctx.engine->writeReports(*c); !written) return fail(res, 500, written.error().message);
  std::ifstream in(ctx.report_dir + "/" + c->id + "." + lang + "." + format, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  res.status = 200;
  res.set_header("Content-Disposition", "attachment; filename=\"" + c->id + "." + lang + "." + format + "\"");
  res.set_content(ss.str(), format == "md" ? "text/markdown; charset=utf-8" : "application/json");
}

// Server-Sent Events: `event: case` with a case's summary whenever it changes, for the user's
// tenants only; a comment line every 15 s keeps proxies from closing the stream.
void streamEvents(const CasesApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto user = authenticate(ctx, req, res);
  if (!user) return;
  if (!ctx.events) return fail(res, 404, "no live updates here");
  auto stream = ctx.events->subscribe();
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [stream, user = *user, events = ctx.events](size_t, httplib::DataSink& sink) {
        if (stream->closed()) return false;
        std::string out;
        int waited = 0;
        while (out.empty() && waited < 15000 && !stream->closed()) {
          for (const auto& u : stream->next(500))
            if (user.seesTenant(u.tenant))
              out += "id: " + std::to_string(u.seq) + "\nevent: case\ndata: " +
                     u.summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
          waited += 500;
          if (!sink.is_writable()) return false;
        }
        if (out.empty()) out = ": keep-alive\n\n";
        return sink.write(out.data(), out.size());
      },
      [stream, events = ctx.events](bool) { events->unsubscribe(stream); });
}

}  // namespace

void mountCasesApi(HttpServer& http, const CasesApiContext& ctx) {
  auto& s = http.routes();
  const std::string id = "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})";
  s.Get("/api/v1/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(openApiDocument(), "application/json");
  });
  s.Post("/api/v1/session", [&ctx](const httplib::Request& req, httplib::Response& res) { login(ctx, req, res); });
  s.Delete("/api/v1/session", [&ctx](const httplib::Request& req, httplib::Response& res) { logout(ctx, req, res); });
  s.Get("/api/v1/session", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (auto user = authenticate(ctx, req, res)) reply(res, 200, whoami(*user));
  });
  s.Get("/api/v1/events", [&ctx](const httplib::Request& req, httplib::Response& res) { streamEvents(ctx, req, res); });
  s.Get("/api/v1/cases", [&ctx](const httplib::Request& req, httplib::Response& res) { listCases(ctx, req, res); });
  s.Get("/api/v1/cases/" + id, [&ctx](const httplib::Request& req, httplib::Response& res) { getCase(ctx, req, res); });
  s.Get("/api/v1/cases/" + id + "/report",
        [&ctx](const httplib::Request& req, httplib::Response& res) { report(ctx, req, res); });
  s.Post("/api/v1/cases/" + id + "/(ack|assign|comment|approve|deny|complete|note|close)",
         [&ctx](const httplib::Request& req, httplib::Response& res) { command(ctx, req, res); });
}

Result<bool> mountConfiguredApi(const config::HinomiConfig& cfg, HttpServer& http, playbooks::Responder& responder,
                                CasesApiContext& ctx) {
  if (cfg.api.users.empty()) return false;
  auto users = ApiUsers::load(cfg.api.users);
  if (!users) return tl::unexpected(users.error());
  ctx.store = &responder.store();
  ctx.engine = &responder.engine();
  ctx.playbooks = responder.playbooks();
  ctx.report_dir = playbooks::engineSettings(cfg).report_dir;
  ctx.users = std::move(*users);
  ctx.secure_cookies = cfg.api.secure_cookies;
  ctx.events = std::make_shared<CaseEvents>();
  responder.store().setObserver([events = ctx.events](const playbooks::CaseRecord& c) { events->publish(c.tenant, summary(c)); });
  mountCasesApi(http, ctx);
  return true;
}

const std::string& openApiDocument() {
  static const std::string doc = [] {
    auto op = [](const char* summary, bool body = false) {
      nlohmann::json o = {{"summary", summary},
                          {"security", {{{"bearer", nlohmann::json::array()}}}},
                          {"responses",
                           {{"200", {{"description", "OK"}}},
                            {"401", {{"description", "no valid token"}}},
                            {"403", {{"description", "the user's role does not allow it"}}},
                            {"404", {{"description", "no such case, or another tenant's"}}},
                            {"409", {{"description", "refused by the case's state (the message says why)"}}}}}};
      if (body)
        o["requestBody"] = {{"content",
                             {{"application/json",
                               {{"schema",
                                 {{"type", "object"},
                                  {"properties",
                                   {{"step", {{"type", "string"}}},
                                    {"item", {{"type", "string"}}},
                                    {"text", {{"type", "string"}}},
                                    {"assignee", {{"type", "string"}}},
                                    {"record", {{"type", "object"}}}}}}}}}}}};
      return o;
    };
    nlohmann::json id_param = {{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}};
    nlohmann::json paths = {
        {"/api/v1/session",
         {{"post", op("Log in: {name, password} → session cookie (HttpOnly, SameSite=Strict) and csrf_token, which every change made with the cookie sends as X-CSRF-Token; 429 after 5 failures in 5 min per address or name")},
          {"get", op("Who the token or session is")},
          {"delete", op("Log out")}}},
        {"/api/v1/events", {{"get", op("Server-Sent Events: `event: case` with a case's summary each time one of the user's cases changes")}}},
        {"/api/v1/cases",
         {{"get", op("List cases: ?tenant ?state ?level ?q ?from ?to (RFC 3339) ?limit ?offset; most severe, then oldest, first")}}},
        {"/api/v1/cases/{id}",
         {{"get", op("One case: timeline, steps, incidents, audit entries")}, {"parameters", {id_param}}}},
        {"/api/v1/cases/{id}/report",
         {{"get", op("The incident report: ?lang=ja|en ?format=md|json")}, {"parameters", {id_param}}}}};
    for (const char* c : {"ack", "assign", "comment", "approve", "deny", "complete", "note", "close"})
      paths[std::string("/api/v1/cases/{id}/") + c] = {{"post", op(c, true)}, {"parameters", {id_param}}};
    nlohmann::json d = {{"openapi", "3.0.3"},
                        {"info", {{"title", "hinomi API"}, {"version", "1"}}},
                        {"paths", paths},
                        {"components", {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
    return d.dump(2);
  }();
  return doc;
}

}  // namespace hinomi::console
