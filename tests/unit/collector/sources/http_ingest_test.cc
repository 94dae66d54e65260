// POST /v1/events through the real interface: a Collector with http listeners on a real
// HttpServer (127.0.0.1, port 0) and the embedded bus in a temp dir; httplib::Client as sender.
#include "collector/sources/http_ingest.h"

#include <httplib.h>

#include <chrono>
#include <map>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "collector/collector.h"
#include "common/bus/embedded_bus.h"
#include "common/config/hinomi_config.h"
#include "common/http_server.h"
#include "common/metrics.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::collector {
namespace {

using namespace std::chrono_literals;

class HttpIngestTest : public ::testing::Test {
 protected:
  // `listeners`: YAML list items under collector.listeners.
  void start(const std::string& listeners, int64_t max_queued_records = 100000) {
    const std::string yaml = "data_dir: " + dir_.file("data") +
                             "\nbus:\n  embedded:\n    max_queued_records: " + std::to_string(max_queued_records) +
                             "\ncollector:\n  listeners:\n" + listeners;
    config::Diagnostics d("t.yaml");
    cfg_ = config::loadConfigText(yaml, d);
    ASSERT_TRUE(d.errors().empty()) << d.toString();
    auto bus = bus::EmbeddedBus::open(cfg_.bus.embedded);
    ASSERT_TRUE(bus.has_value()) << bus.error().toString();
    bus_ = std::move(*bus);
    ASSERT_TRUE(bus_->ensureTopic(cfg_.topics.events, 2).has_value());
    auto c = Collector::start(cfg_, *bus_, &server_);
    ASSERT_TRUE(c.has_value()) << c.error().toString();
    collector_ = std::move(*c);
    ASSERT_TRUE(server_.start({"127.0.0.1:0"}).has_value());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_.port());
  }

  httplib::Result post(const std::string& token, const std::string& body,
                       const std::string& type = "application/json") {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client_->Post(HttpIngest::kPath, headers, body, type.c_str());
  }

  // The events on the bus, read until `n` arrived (or `wait` passed).
  std::vector<nlohmann::json> events(size_t n, std::chrono::milliseconds wait = 10s) {
    std::vector<nlohmann::json> out;
    auto consumer = bus_->subscribe(cfg_.topics.events, "verify-" + std::to_string(++reads_));
    EXPECT_TRUE(consumer.has_value());
    if (!consumer) return out;
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto batch = (*consumer)->poll(1000, 100ms);
      EXPECT_TRUE(batch.has_value());
      if (!batch) break;
      for (auto& r : *batch) out.push_back(nlohmann::json::parse(r.value));
    }
    return out;
  }

  static bool counted(const std::string& series) {
    return metrics::exposition().find(series) != std::string::npos;
  }

  hinomi::testing::TempDir dir_;
  config::HinomiConfig cfg_;
  std::unique_ptr<bus::Bus> bus_;
  HttpServer server_;
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<httplib::Client> client_;
  int reads_ = 0;
};

const char* kTwoListeners =
    "    - {name: ingest-a, transport: http, tokens: [token-a1, token-a2], tenant: katsuragi}\n"
    "    - name: ingest-b\n"
    "      transport: http\n"
    "      tokens: [token-b]\n"
    "      tenant: toyama\n"
    "      tenant_by_source: [{cidr: 127.0.0.0/8, tenant: kasama}]\n";

TEST_F(HttpIngestTest, ObjectArrayAndNdjsonArriveAsParsedEvents) {
  start(kTwoListeners);
  const std::string one = R"({"host": "fw01", "message": "deny tcp", "src": {"ip": "10.0.0.5"}, "n": 1})";
  auto r = post("token-a1", one);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(nlohmann::json::parse(r->body), nlohmann::json({{"accepted", 1}}));
  r = post("token-a2", "[" + std::string(R"({"n": 2, "message": "two"})") + ",\n " + R"({"n": 3})" + "]",
           "application/json; charset=utf-8");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(nlohmann::json::parse(r->body)["accepted"], 2);
  r = post("token-a1", "{\"n\": 4}\n\n{\"n\": 5}\r\n", "application/x-ndjson");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(nlohmann::json::parse(r->body)["accepted"], 2);

  std::map<int, nlohmann::json> by_n;
  for (auto& e : events(5)) by_n[e["fields"]["n"].get<int>()] = e;
  ASSERT_EQ(by_n.size(), 5u);
  const auto& first = by_n[1];
  EXPECT_EQ(first["raw"], one);  // the object's exact text
  EXPECT_EQ(first["host"], "fw01");
  EXPECT_EQ(first["message"], "deny tcp");
  EXPECT_EQ(first["fields"]["src.ip"], "10.0.0.5");
  EXPECT_EQ(first["parse_status"], "ok");
  EXPECT_EQ(by_n[2]["raw"], R"({"n": 2, "message": "two"})");
  EXPECT_EQ(by_n[2]["host"], "127.0.0.1");  // no host in the event: the sender's address
  for (auto& [n, e] : by_n) {
    EXPECT_EQ(e["listener"], "ingest-a") << n;
    EXPECT_EQ(e["tenant"], "katsuragi") << n;
  }
  EXPECT_TRUE(counted("hinomi_collector_http_requests_total{code=\"200\",listener=\"ingest-a\"} 3"));
  EXPECT_TRUE(counted("hinomi_collector_received_total{listener=\"ingest-a\"} 5"));
}

TEST_F(HttpIngestTest, TheTokenSelectsTheListenerAndItsTenantRule) {
  start(kTwoListeners);
  auto a = post("token-a1", R"({"who": "a"})");
  auto b = post("token-b", R"({"who": "b"})");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(b->status, 200);
  std::map<std::string, nlohmann::json> by_who;
  for (auto& e : events(2)) by_who[e["fields"]["who"].get<std::string>()] = e;
  ASSERT_EQ(by_who.size(), 2u);
  EXPECT_EQ(by_who["a"]["listener"], "ingest-a");
  EXPECT_EQ(by_who["a"]["tenant"], "katsuragi");
  EXPECT_EQ(by_who["b"]["listener"], "ingest-b");
  EXPECT_EQ(by_who["b"]["tenant"], "kasama");  // by source CIDR
}

TEST_F(HttpIngestTest, RefusalsSayWhyAndTakeNothing) {
  start("    - {name: ingest-r, transport: http, tokens: [token-r], max_body_bytes: 2048}\n");
  auto none = post("", R"({"a": 1})");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(nlohmann::json::parse(none->body)["error"], "missing bearer token");
  EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer");
  auto wrong = post("token-x", R"({"a": 1})");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(nlohmann::json::parse(wrong->body)["error"], "unknown bearer token");
  auto prefix = post("token-", R"({"a": 1})");
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix->status, 401);

  // The whole request is checked first: the good first line is not taken either.
  auto bad = post("token-r", "{\"a\": 1}\n{\"a\": 2,}\n", "application/x-ndjson");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto why = nlohmann::json::parse(bad->body);
  EXPECT_EQ(why["line"], 2);
  EXPECT_NE(why["error"].get<std::string>().find("invalid JSON"), std::string::npos) << bad->body;
  auto scalar = post("token-r", "[{\"a\": 1},\n 2]");
  ASSERT_TRUE(scalar);
  EXPECT_EQ(scalar->status, 400);
  EXPECT_EQ(nlohmann::json::parse(scalar->body)["line"], 2);

  auto big = post("token-r", "[" + std::string(3000, ' ') + "]");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  // Chunked, without Content-Length: cut off while reading.
  httplib::Headers auth{{"Authorization", "Bearer token-r"}};
  auto chunked = client_->Post(
      HttpIngest::kPath, auth,
      [](size_t offset, httplib::DataSink& sink) {
        if (offset >= 3000) {
          sink.done();
          return true;
        }
        std::string part = offset == 0 ? "[" + std::string(999, ' ') : std::string(1000, ' ');
        return sink.write(part.data(), part.size());
      },
      "application/json");
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->status, 413);

  auto text = post("token-r", "a=1", "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 415);

  EXPECT_TRUE(events(1, 500ms).empty());
  EXPECT_TRUE(counted("hinomi_collector_http_requests_total{code=\"400\",listener=\"ingest-r\"} 2"));
  EXPECT_TRUE(counted("hinomi_collector_http_requests_total{code=\"413\",listener=\"ingest-r\"} 2"));
  EXPECT_TRUE(counted("hinomi_collector_http_requests_total{code=\"415\",listener=\"ingest-r\"} 1"));
  EXPECT_TRUE(counted("hinomi_collector_http_requests_total{code=\"401\",listener=\"\"}"));
}

TEST_F(HttpIngestTest, AFullBusAnswers503WithRetryAfter) {
  start("    - {name: ingest-full, transport: http, tokens: [token-f]}\n", /*max_queued_records=*/1);
  std::string body;
  for (int i = 0; i < 5000; ++i) body += "{\"i\": " + std::to_string(i) + "}\n";
  // The bus writes its queue about every millisecond; 5000 events in one go overflow a queue of 1.
  int status = 0;
  std::string retry_after;
  for (int attempt = 0; attempt < 20 && status != 503; ++attempt) {
    auto r = post("token-f", body, "application/x-ndjson");
    ASSERT_TRUE(r);
    status = r->status;
    retry_after = r->get_header_value("Retry-After");
  }
  EXPECT_EQ(status, 503);
  EXPECT_EQ(retry_after, "1");
  EXPECT_TRUE(counted("hinomi_collector_http_requests_total{code=\"503\",listener=\"ingest-full\"}"));
  // A small request gets through once the queue is written.
  status = 0;
  for (int attempt = 0; attempt < 50 && status != 200; ++attempt) {
    auto small = post("token-f", R"({"i": -1})");
    ASSERT_TRUE(small);
    status = small->status;
    if (status != 200) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status, 200);
}

TEST_F(HttpIngestTest, OverTheRateLimitAnswers429AndStoresNothingOfTheRequest) {
  start("    - {name: ingest-rate, transport: http, tokens: [token-r], rate_limit_per_source: 1, "
        "rate_limit_burst: 3}\n");
  auto first = post("token-r", R"([{"n": 1}, {"n": 2}])");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  auto over = post("token-r", R"([{"n": 3}, {"n": 4}])");  // 1 token left, 2 asked
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 429);
  EXPECT_EQ(over->get_header_value("Retry-After"), "1");
  EXPECT_TRUE(counted("hinomi_collector_dropped_total{listener=\"ingest-rate\",reason=\"rate_limit\"} 2"));
  auto got = events(3, 1s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["fields"]["n"].get<int>() + got[1]["fields"]["n"].get<int>(), 3);
}

TEST_F(HttpIngestTest, AfterStopRequestsAre503) {
  start("    - {name: ingest-stop, transport: http, tokens: [token-s]}\n");
  collector_->stop();
  auto r = post("token-s", R"({"a": 1})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->get_header_value("Retry-After"), "1");
}

}  // namespace
}  // namespace hinomi::collector
