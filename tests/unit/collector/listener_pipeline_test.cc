// ListenerPipeline with an outlet that can be full or failing: what it waits for, drops and
// counts, and what sync() reports.
#include "collector/listener_pipeline.h"

#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/metrics.h"

namespace hinomi::collector {
namespace {

class TestOutlet final : public Outlet {
 public:
  Status put(std::string_view key, std::string_view value, const std::shared_ptr<AckGroup>& ack) override {
    std::lock_guard lock(mu);
    if (full) return makeError(ErrorCode::kUnavailable, "full");
    if (broken) return makeError(ErrorCode::kIo, "disk on fire");
    keys.emplace_back(key);
    values.emplace_back(value);
    if (ack) {
      ack->expect();
      ack->done(true);
    }
    return {};
  }
  void waitForRoom(int64_t, std::chrono::milliseconds) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  bool sync(std::chrono::milliseconds) override { return true; }
  std::string_view fullReason() const override { return "test_full"; }

  std::mutex mu;
  bool full = false;
  bool broken = false;
  std::vector<std::string> keys, values;
};

double counter(const std::string& name, const std::map<std::string, std::string>& labels) {
  for (const auto& f : metrics::registry().Collect()) {
    if (f.name != name) continue;
    for (const auto& m : f.metric) {
      bool match = true;
      for (const auto& [k, v] : labels) {
        bool found = false;
        for (const auto& l : m.label) found |= l.name == k && l.value == v;
        match &= found;
      }
      if (match) return m.counter.value;
    }
  }
  return 0;
}

config::ListenerOptions options(const std::string& name) {
  config::ListenerOptions o;
  o.name = name;
  o.format = "rfc3164";
  o.tenant = "town";
  return o;
}

ReceivedMessage message(std::string_view bytes, std::string_view peer = "192.0.2.1") {
  ReceivedMessage m;
  m.bytes = bytes;
  m.peer = peer;
  m.received_us = 1'763'867'532'000'000;
  return m;
}

TEST(ListenerPipelineTest, EventGoesOutKeyedByTenantAndHost) {
  TestOutlet outlet;
  auto p = ListenerPipeline::create(options("lp-basic"), outlet, false);
  ASSERT_TRUE(p);
  (*p)->onMessage(message("<38>Nov 23 12:12:12 fw01 sshd[7]: hello"));
  ASSERT_EQ(outlet.keys.size(), 1u);
  EXPECT_EQ(outlet.keys[0], "town|fw01");
  auto j = nlohmann::json::parse(outlet.values[0]);
  EXPECT_EQ(j["listener"], "lp-basic");
  EXPECT_EQ(j["message"], "hello");
  EXPECT_TRUE((*p)->sync(std::chrono::seconds(1)));
}

TEST(ListenerPipelineTest, DatagramListenerCountsADropWhenFull) {
  TestOutlet outlet;
  outlet.full = true;
  auto p = ListenerPipeline::create(options("lp-udp-full"), outlet, /*block_when_full=*/false);
  ASSERT_TRUE(p);
  (*p)->onMessage(message("<38>Nov 23 12:12:12 fw01 sshd[7]: hello"));
  EXPECT_TRUE(outlet.keys.empty());
  EXPECT_EQ(counter("hinomi_collector_dropped_total", {{"listener", "lp-udp-full"}, {"reason", "test_full"}}), 1);
  EXPECT_FALSE((*p)->sync(std::chrono::seconds(1))) << "a loss since the last sync";
  EXPECT_TRUE((*p)->sync(std::chrono::seconds(1)));
}

TEST(ListenerPipelineTest, StreamListenerWaitsForRoomAndCountsTheWait) {
  TestOutlet outlet;
  outlet.full = true;
  auto p = ListenerPipeline::create(options("lp-tcp-full"), outlet, /*block_when_full=*/true);
  ASSERT_TRUE(p);
  std::thread sender([&] { (*p)->onMessage(message("<38>Nov 23 12:12:12 fw01 sshd[7]: held back")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  {
    std::lock_guard lock(outlet.mu);
    EXPECT_TRUE(outlet.keys.empty());
    outlet.full = false;
  }
  sender.join();
  ASSERT_EQ(outlet.keys.size(), 1u);
  EXPECT_GE(counter("hinomi_collector_backpressure_seconds_total", {{"listener", "lp-tcp-full"}}), 0.05);
  EXPECT_TRUE((*p)->sync(std::chrono::seconds(1)));
}

TEST(ListenerPipelineTest, StopEndsTheWaitAndTheMessageCountsAsLost) {
  TestOutlet outlet;
  outlet.full = true;
  auto p = ListenerPipeline::create(options("lp-stop"), outlet, /*block_when_full=*/true);
  ASSERT_TRUE(p);
  std::thread sender([&] { (*p)->onMessage(message("<38>Nov 23 12:12:12 fw01 sshd[7]: never")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  (*p)->stop();
  sender.join();
  EXPECT_EQ(counter("hinomi_collector_dropped_total", {{"listener", "lp-stop"}, {"reason", "test_full"}}), 1);
  EXPECT_FALSE((*p)->sync(std::chrono::seconds(1)));
}

TEST(ListenerPipelineTest, OutletErrorsAreCountedAndReportedBySync) {
  TestOutlet outlet;
  outlet.broken = true;
  auto p = ListenerPipeline::create(options("lp-broken"), outlet, true);
  ASSERT_TRUE(p);
  (*p)->onMessage(message("<38>Nov 23 12:12:12 fw01 sshd[7]: lost"));
  EXPECT_EQ(counter("hinomi_collector_handoff_errors_total", {{"listener", "lp-broken"}}), 1);
  EXPECT_FALSE((*p)->sync(std::chrono::seconds(1)));
}

TEST(ListenerPipelineTest, RateLimitPerSourceDropsAndCounts) {
  TestOutlet outlet;
  auto o = options("lp-rate");
  o.rate_limit_per_source = 10;
  o.rate_limit_burst = 3;
  auto p = ListenerPipeline::create(o, outlet, false);
  ASSERT_TRUE(p);
  for (int i = 0; i < 10; ++i) (*p)->onMessage(message("<38>Nov 23 12:12:12 fw01 app: flood", "192.0.2.66"));
  (*p)->onMessage(message("<38>Nov 23 12:12:12 fw02 app: quiet", "192.0.2.7"));
  EXPECT_EQ(outlet.keys.size(), 4u);  // the burst of 3, and the other source's one
  EXPECT_EQ(counter("hinomi_collector_dropped_total", {{"listener", "lp-rate"}, {"reason", "rate_limit"}}), 7);
  EXPECT_TRUE((*p)->sync(std::chrono::seconds(1))) << "a policy drop is not a loss of something accepted";
}

TEST(ListenerPipelineTest, SubmitIsAckedAndRefusesWhenFull) {
  TestOutlet outlet;
  auto p = ListenerPipeline::create(options("lp-submit"), outlet, false);
  ASSERT_TRUE(p);
  auto ack = std::make_shared<AckGroup>();
  EXPECT_TRUE((*p)->submit(message("<38>Nov 23 12:12:12 fw01 app: one"), ack));
  EXPECT_TRUE(ack->wait(std::chrono::seconds(1)));
  outlet.full = true;
  auto refused = (*p)->submit(message("<38>Nov 23 12:12:12 fw01 app: two"), ack);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace hinomi::collector
