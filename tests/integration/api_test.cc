// The REST API in `hinomi run` as a console or a script uses it: bearer tokens checked against the
// users file's hashes, a user's tenants only (another tenant's case is a 404), what each role may
// do, commands audited with the user's name, the report downloaded, the OpenAPI document served.
#include <filesystem>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "console/api/api_users.h"
#include "tests/testing/child_process.h"
#include "tests/testing/hinomi_run.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::ChildProcess;
using testing::TempDir;

const std::string kSource = HINOMI_SOURCE_DIR;

struct Api {
  int port;
  httplib::Result call(const std::string& method, const std::string& path, const std::string& token,
                       const nlohmann::json& body = nullptr) {
    httplib::Client c("127.0.0.1", port);
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    if (method == "GET") return c.Get(path, h);
    return c.Post(path, h, body.is_null() ? "" : body.dump(), "application/json");
  }
};

TEST(ApiTest, TokensRolesAndTenantScopes) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("tenants"));
  std::filesystem::create_directories(dir.file("playbooks"));
  dir.write("tenants/katsuragi.yaml", "tenant: katsuragi\nname: 葛城市\nmodel: none\n");
  dir.write("tenants/shunan.yaml", "tenant: shunan\nname: 周南市\nmodel: none\n");
  dir.write("playbooks/pbx.yaml",
            "playbook: pbx\ntitle: 試験\nmatch: {tags: [hinomi.playbook.pb3], levels: [medium]}\n"
            "case: {group_by: [user.name]}\ncontacts: [chief_security_officer]\n"
            "steps:\n  - {id: gate, phase: 被害拡大の防止, kind: approval, role: chief_security_officer, timeout: 1h, on_timeout: skip}\n"
            "  - {id: check, phase: 復旧, kind: manual, after: [gate], text: 確認}\n"
            "  - {id: report, phase: 再発防止, kind: report}\n"
            "recurrence_prevention:\n  - {id: cause, label: 原因}\n");
  auto user = [](const std::string& name, const std::string& role, const std::string& tenants, const std::string& acts,
                 const std::string& token) {
    return "  - {name: " + name + ", role: " + role + ", tenants: " + tenants + ", acts_as: " + acts +
           ", token_sha256: " + sha256Hex(token) + "}\n";
  };
  dir.write("users.yaml", "users:\n" + user("tanaka", "approver", "[katsuragi]", "[chief_security_officer]", "t-tanaka") +
                              user("sato", "viewer", "[katsuragi]", "[]", "t-sato") +
                              user("kimura", "approver", "[katsuragi]", "[ciso]", "t-kimura") +
                              user("yamada", "admin", "[shunan]", "[]", "t-yamada") +
                              user("pref", "viewer", "[\"*\"]", "[]", "t-pref"));
  const std::string cfg = dir.write(
      "hinomi.yaml", "data_dir: " + dir.file("data") +
                         "\nhttp:\n  listen: 127.0.0.1:0\n"
                         "collector:\n  listeners:\n"
                         "    - {name: syslog-tcp, transport: tcp, listen: 127.0.0.1:0, tenant: katsuragi}\n"
                         "correlator:\n  decoders: [" + kSource + "/config/decoders]\n  rules: [" + kSource +
                         "/config/rules]\n"
                         "tenants: [" + dir.file("tenants") + "]\nplaybooks: [" + dir.file("playbooks") +
                         "]\napi:\n  users: users.yaml\n");

  ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
  auto r = testing::waitUntilRunning(hinomi);
  ASSERT_GT(r.http, 0) << hinomi.stderrText();
  testing::sendSyslogTcp(r.tcp, "sshd", "Failed password for invalid user <script>alert(1)</script> from 203.0.113.9 port 50022 ssh2");
  ASSERT_TRUE(testing::waitForMetric(r.http, "hinomi_responder_incidents_total{outcome=\"opened\"}", 1)) << hinomi.stderrText();
  Api api{r.http};

  auto none = api.call("GET", "/api/v1/cases", "");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(nlohmann::json::parse(none->body)["error"]["status"], 401);
  EXPECT_EQ(api.call("GET", "/api/v1/cases", "wrong")->status, 401);

  auto list = api.call("GET", "/api/v1/cases", "t-tanaka");
  ASSERT_EQ(list->status, 200) << list->body;
  auto body = nlohmann::json::parse(list->body);
  ASSERT_EQ(body["total"], 1);
  const std::string id = body["items"][0]["id"];
  // Event text comes back as data, exactly as sent; the console renders it as text.
  EXPECT_EQ(body["items"][0]["group"]["user.name"], "<script>alert(1)</script>");
  EXPECT_EQ(nlohmann::json::parse(api.call("GET", "/api/v1/cases", "t-pref")->body)["total"], 1);
  EXPECT_EQ(nlohmann::json::parse(api.call("GET", "/api/v1/cases", "t-yamada")->body)["total"], 0);
  EXPECT_EQ(nlohmann::json::parse(api.call("GET", "/api/v1/cases?state=closed", "t-tanaka")->body)["total"], 0);
  EXPECT_EQ(nlohmann::json::parse(api.call("GET", "/api/v1/cases?limit=1&offset=1", "t-tanaka")->body)["items"].size(), 0u);

  // Another tenant's case is not there at all, for reading or writing.
  EXPECT_EQ(api.call("GET", "/api/v1/cases/" + id, "t-yamada")->status, 404);
  EXPECT_EQ(api.call("POST", "/api/v1/cases/" + id + "/ack", "t-yamada")->status, 404);
  // A viewer reads but changes nothing.
  EXPECT_EQ(api.call("GET", "/api/v1/cases/" + id, "t-sato")->status, 200);
  EXPECT_EQ(api.call("POST", "/api/v1/cases/" + id + "/ack", "t-sato")->status, 403);

  // Live updates: tanaka's stream hears of the acknowledgement, yamada's (another tenant) does not.
  struct Listener {
    std::mutex mu;
    std::string got;
    std::unique_ptr<httplib::Client> client;
    std::thread thread;
    std::string text() {
      std::lock_guard<std::mutex> lock(mu);
      return got;
    }
  };
  Listener mine, theirs;
  auto listen = [&](Listener& l, const std::string& token) {
    l.client = std::make_unique<httplib::Client>("127.0.0.1", r.http);
    l.client->set_read_timeout(30, 0);
    l.thread = std::thread([&l, token] {
      l.client->Get("/api/v1/events", httplib::Headers{{"Authorization", "Bearer " + token}},
                    [&l](const char* data, size_t n) {
                      std::lock_guard<std::mutex> lock(l.mu);
                      l.got.append(data, n);
                      return true;
                    });
    });
  };
  listen(mine, "t-tanaka");
  listen(theirs, "t-yamada");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // both subscribed

  auto ack = api.call("POST", "/api/v1/cases/" + id + "/ack", "t-tanaka");
  ASSERT_EQ(ack->status, 200) << ack->body;
  EXPECT_EQ(nlohmann::json::parse(ack->body)["acknowledged_by"], "tanaka");
  auto twice = api.call("POST", "/api/v1/cases/" + id + "/ack", "t-tanaka");
  EXPECT_EQ(twice->status, 409);
  EXPECT_NE(nlohmann::json::parse(twice->body)["error"]["message"].get<std::string>().find("already acknowledged"),
            std::string::npos);

  for (int i = 0; i < 200 && mine.text().find("\"acknowledged_by\":\"tanaka\"") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_NE(mine.text().find("event: case"), std::string::npos) << mine.text();
  EXPECT_NE(mine.text().find("\"acknowledged_by\":\"tanaka\""), std::string::npos) << mine.text();
  EXPECT_EQ(theirs.text().find("event: case"), std::string::npos) << theirs.text();
  for (auto* l : {&mine, &theirs}) {
    l->client->stop();
    l->thread.join();
  }

  // The gate answers only to someone who acts as its role.
  for (int i = 0; i < 100; ++i) {
    auto c = nlohmann::json::parse(api.call("GET", "/api/v1/cases/" + id, "t-tanaka")->body);
    if (c["steps"]["gate"]["state"] == "waiting") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(api.call("POST", "/api/v1/cases/" + id + "/approve", "t-kimura", {{"step", "gate"}})->status, 403);
  auto approved = api.call("POST", "/api/v1/cases/" + id + "/approve", "t-tanaka", {{"step", "gate"}, {"text", "承認"}});
  ASSERT_EQ(approved->status, 200) << approved->body;
  for (int i = 0; i < 100; ++i) {
    auto done = api.call("POST", "/api/v1/cases/" + id + "/complete", "t-tanaka", {{"step", "check"}});
    if (done->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto refused = api.call("POST", "/api/v1/cases/" + id + "/close", "t-tanaka");
  EXPECT_EQ(refused->status, 409);
  auto closed = api.call("POST", "/api/v1/cases/" + id + "/close", "t-tanaka", {{"record", {{"cause", "弱いパスワード"}}}});
  ASSERT_EQ(closed->status, 200) << closed->body;

  auto detail = nlohmann::json::parse(api.call("GET", "/api/v1/cases/" + id, "t-tanaka")->body);
  EXPECT_EQ(detail["state"], "closed");
  EXPECT_EQ(detail["steps"]["check"]["state"], "done");
  EXPECT_EQ(detail["playbook_steps"].size(), 3u);
  ASSERT_FALSE(detail["incident_records"].empty());
  bool audited = false;
  for (const auto& e : detail["audit"]) audited = audited || (e["action"] == "step.approved" && e["actor"] == "tanaka");
  EXPECT_TRUE(audited) << detail["audit"].dump();

  auto report = api.call("GET", "/api/v1/cases/" + id + "/report?lang=en", "t-sato");
  ASSERT_EQ(report->status, 200);
  EXPECT_NE(report->body.find("弱いパスワード"), std::string::npos) << report->body;
  EXPECT_NE(report->get_header_value("Content-Disposition").find(id + ".en.md"), std::string::npos);

  auto openapi = api.call("GET", "/api/v1/openapi.json", "");
  ASSERT_EQ(openapi->status, 200);
  EXPECT_TRUE(nlohmann::json::parse(openapi->body)["paths"].contains("/api/v1/cases/{id}/approve"));
  testing::stopRun(hinomi);
}

TEST(ApiTest, ABadUsersFileRefusesTheStartWithItsLine) {
  TempDir dir;
  dir.write("users.yaml", "users:\n  - {name: a, role: boss, tenants: [x], token_sha256: abc}\n");
  const std::string cfg = dir.write("hinomi.yaml", "data_dir: " + dir.file("data") +
                                                       "\nhttp:\n  listen: 127.0.0.1:0\napi:\n  users: users.yaml\n");
  auto r = testing::runProgram({HINOMI_BINARY, "run", "-c", cfg}, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("users.yaml:2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'boss' is not one of"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("64 hex digits"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hinomi

namespace hinomi {
namespace {

TEST(ApiTest, ConsoleLoginSessionsCsrfAndRateLimit) {
  TempDir dir;
  const std::string password = "correct horse battery staple";
  dir.write("users.yaml", "users:\n  - {name: tanaka, role: responder, tenants: [katsuragi], token_sha256: " +
                              sha256Hex("t-tanaka") + ", password_scrypt: \"" + console::hashPassword(password) + "\"}\n");
  const std::string cfg = dir.write("hinomi.yaml", "data_dir: " + dir.file("data") +
                                                       "\nhttp:\n  listen: 127.0.0.1:0\napi:\n  users: users.yaml\n");
  ChildProcess hinomi({HINOMI_BINARY, "run", "-c", cfg});
  auto line = hinomi.waitForLine("hinomi running.", std::chrono::seconds(30), /*from_stderr=*/true);
  ASSERT_TRUE(line.has_value()) << hinomi.stderrText();
  const int port = std::stoi(line->substr(line->rfind(':') + 1));
  httplib::Client c("127.0.0.1", port);

  auto ok = c.Post("/api/v1/session", nlohmann::json({{"name", "tanaka"}, {"password", password}}).dump(), "application/json");
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 200) << ok->body;
  const std::string cookie = ok->get_header_value("Set-Cookie");
  for (const char* flag : {"HttpOnly", "SameSite=Strict", "Secure", "Path=/"}) EXPECT_NE(cookie.find(flag), std::string::npos) << cookie;
  const std::string session = cookie.substr(0, cookie.find(';'));
  const std::string csrf = nlohmann::json::parse(ok->body)["csrf_token"];
  EXPECT_EQ(nlohmann::json::parse(ok->body)["role"], "responder");

  httplib::Headers with_cookie = {{"Cookie", session}};
  auto me = c.Get("/api/v1/session", with_cookie);
  ASSERT_EQ(me->status, 200);
  EXPECT_EQ(nlohmann::json::parse(me->body)["user"], "tanaka");
  EXPECT_EQ(c.Get("/api/v1/cases", with_cookie)->status, 200);
  const std::string path = "/api/v1/cases/00000000-0000-8000-8000-000000000000/ack";
  EXPECT_EQ(c.Post(path, with_cookie, "", "application/json")->status, 403);  // no CSRF token
  httplib::Headers with_csrf = {{"Cookie", session}, {"X-CSRF-Token", "wrong"}};
  EXPECT_EQ(c.Post(path, with_csrf, "", "application/json")->status, 403);
  with_csrf = {{"Cookie", session}, {"X-CSRF-Token", csrf}};
  EXPECT_EQ(c.Post(path, with_csrf, "", "application/json")->status, 404);  // authenticated: no such case

  EXPECT_EQ(c.Delete("/api/v1/session", with_cookie)->status, 200);
  EXPECT_EQ(c.Get("/api/v1/session", with_cookie)->status, 401);

  // Guessing: 5 failures, then 429 with Retry-After, even for the right password.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(c.Post("/api/v1/session", nlohmann::json({{"name", "tanaka"}, {"password", "guess" + std::to_string(i)}}).dump(),
                     "application/json")->status, 401);
  auto limited = c.Post("/api/v1/session", nlohmann::json({{"name", "tanaka"}, {"password", password}}).dump(), "application/json");
  EXPECT_EQ(limited->status, 429);
  EXPECT_FALSE(limited->get_header_value("Retry-After").empty());
  // The password never reaches the log.
  testing::stopRun(hinomi);
  EXPECT_EQ(hinomi.stderrText().find(password), std::string::npos);
  EXPECT_EQ(hinomi.stderrText().find("guess0"), std::string::npos);
}

}  // namespace
}  // namespace hinomi
