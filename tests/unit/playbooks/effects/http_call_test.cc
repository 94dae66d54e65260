// sendHttp against an in-process HTTP server on 127.0.0.1: what arrives, what comes back, and the
// failures that must be errors rather than responses.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "playbooks/effects/http_call.h"

namespace hinomi::playbooks::effects {
namespace {

class HttpCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      last_method_ = req.method;
      last_body_ = req.body;
      last_key_ = req.get_header_value("Idempotency-Key");
      last_type_ = req.get_header_value("Content-Type");
      last_query_ = req.get_param_value("token");
      res.set_content(R"({"ok":true})", "application/json");
    });
    server_.Put("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      last_method_ = req.method;
      last_body_ = req.body;
      res.status = 204;
    });
    server_.Post("/fail", [](const httplib::Request&, httplib::Response& res) {
      res.status = 500;
      res.set_content("boom", "text/plain");
    });
    server_.Post("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(200 * 1024, 'x'), "text/plain");
    });
    server_.Post("/redirect", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/hook", 302);
    });
    server_.Post("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::seconds(2));
      res.set_content("late", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    // The socket listens from bind_to_any_port on: requests made before the accept loop runs wait.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::string last_method_, last_body_, last_key_, last_type_, last_query_;
};

// A port on 127.0.0.1 that nothing listens on (bound, then closed).
int closedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST_F(HttpCallTest, HeadersAndBodyArrive) {
  HttpRequest req;
  req.url = url("/hook?token=s3cret");
  req.headers = {{"Idempotency-Key", "case-42/step-3"}, {"Content-Type", "application/json"}};
  req.body = R"({"text":"不正ログイン"})";
  auto res = sendHttp(req);
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"ok":true})");
  std::lock_guard lock(mu_);
  EXPECT_EQ(last_method_, "POST");
  EXPECT_EQ(last_body_, req.body);
  EXPECT_EQ(last_key_, "case-42/step-3");
  EXPECT_EQ(last_type_, "application/json");
  EXPECT_EQ(last_query_, "s3cret");
}

TEST_F(HttpCallTest, OtherMethodsSendTheirBody) {
  HttpRequest req;
  req.method = "PUT";
  req.url = url("/hook");
  req.body = "block 203.0.113.7";
  auto res = sendHttp(req);
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 204);
  std::lock_guard lock(mu_);
  EXPECT_EQ(last_method_, "PUT");
  EXPECT_EQ(last_body_, "block 203.0.113.7");
}

TEST_F(HttpCallTest, AnHttpErrorStatusIsAResponse) {
  HttpRequest req;
  req.url = url("/fail");
  auto res = sendHttp(req);
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->body, "boom");
}

TEST_F(HttpCallTest, TheResponseBodyIsCutAt64KiB) {
  HttpRequest req;
  req.url = url("/big");
  auto res = sendHttp(req);
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body.size(), kMaxHttpResponseBody);
}

TEST_F(HttpCallTest, RedirectsAreNotFollowed) {
  HttpRequest req;
  req.url = url("/redirect");
  auto res = sendHttp(req);
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 302);
  std::lock_guard lock(mu_);
  EXPECT_TRUE(last_method_.empty()) << "the redirect target was called";
}

TEST_F(HttpCallTest, ATimeoutIsUnavailableAndNamesOnlyTheOrigin) {
  HttpRequest req;
  req.url = url("/slow?token=s3cret");
  req.timeout = std::chrono::milliseconds(300);
  auto res = sendHttp(req);  // the handler answers after 2 s: a response here means no timeout
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(res.error().message.find("http://127.0.0.1:" + std::to_string(port_)), std::string::npos)
      << res.error().message;
  EXPECT_EQ(res.error().message.find("s3cret"), std::string::npos) << res.error().message;
  EXPECT_EQ(res.error().message.find("/slow"), std::string::npos) << res.error().message;
}

TEST(HttpCallErrorsTest, ConnectionRefusedIsUnavailable) {
  const int port = closedPort();
  HttpRequest req;
  req.url = "http://user:pw@127.0.0.1:" + std::to_string(port) + "/x?token=s3cret";
  auto res = sendHttp(req);
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(res.error().message.find("http://127.0.0.1:" + std::to_string(port)), std::string::npos)
      << res.error().message;
  EXPECT_EQ(res.error().message.find("s3cret"), std::string::npos) << res.error().message;
  EXPECT_EQ(res.error().message.find("pw"), std::string::npos) << res.error().message;
}

TEST(HttpCallErrorsTest, CrOrLfInAHeaderIsRefused) {
  HttpRequest req;
  req.url = "http://127.0.0.1:9/x";
  req.headers = {{"X-User", "alice\r\nX-Injected: 1"}};
  auto res = sendHttp(req);
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kInvalidArgument);

  req.headers = {{"X-User", "alice\nX-Injected: 1"}};
  EXPECT_EQ(sendHttp(req).error().code, ErrorCode::kInvalidArgument);
  req.headers = {{"X-Bad\r\nName", "v"}};
  EXPECT_EQ(sendHttp(req).error().code, ErrorCode::kInvalidArgument);
  req.headers = {{"X Space", "v"}};
  EXPECT_EQ(sendHttp(req).error().code, ErrorCode::kInvalidArgument);
  req.headers = {};
  req.method = "PO ST";
  EXPECT_EQ(sendHttp(req).error().code, ErrorCode::kInvalidArgument);
}

TEST(HttpCallErrorsTest, OnlyHttpAndHttpsUrls) {
  for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/x", "not a url", ""}) {
    HttpRequest req;
    req.url = url;
    auto res = sendHttp(req);
    ASSERT_FALSE(res.has_value()) << url;
    EXPECT_EQ(res.error().code, ErrorCode::kInvalidArgument) << url << ": " << res.error().message;
  }
}

TEST(HttpCallErrorsTest, UrlOriginLeavesOutUserPathAndQuery) {
  EXPECT_EQ(urlOrigin("https://u:p@hooks.example.jp/services/T0/B0/XYZ?token=1#f"), "https://hooks.example.jp:443");
  EXPECT_EQ(urlOrigin("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080");
  EXPECT_EQ(urlOrigin("smtp://mail.example.jp"), "smtp://mail.example.jp:25");
  EXPECT_EQ(urlOrigin("::"), "");
}

}  // namespace
}  // namespace hinomi::playbooks::effects
