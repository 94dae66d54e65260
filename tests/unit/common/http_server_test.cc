#include "common/http_server.h"

#include <httplib.h>

#include <gtest/gtest.h>

namespace hinomi {
namespace {

// A stop right after start (SIGTERM as the process comes up) must not leave the server running.
TEST(HttpServerTest, StopRightAfterStartReturns) {
  for (int i = 0; i < 50; ++i) {
    HttpServer server;
    ASSERT_TRUE(server.start({"127.0.0.1:0"}).has_value());
    server.stop();
  }
}

TEST(HttpServerTest, ServesMetricsAndHealth) {
  HttpServer server;
  ASSERT_TRUE(server.start({"127.0.0.1:0"}).has_value());
  httplib::Client client("127.0.0.1", server.port());
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->get_header_value("Content-Type").find("version=0.0.4"), std::string::npos);
  EXPECT_NE(metrics->body.find("hinomi_http_requests_total{code=\"2xx\"}"), std::string::npos) << metrics->body;
  auto missing = client.Get("/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST(HttpServerTest, RefusesABadAddress) {
  HttpServer server;
  EXPECT_FALSE(server.start({"not-an-address"}).has_value());
  EXPECT_FALSE(server.start({"192.0.2.1:0"}).has_value());  // not an address of this machine
}

}  // namespace
}  // namespace hinomi
