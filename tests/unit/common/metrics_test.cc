#include "common/metrics.h"

#include <gtest/gtest.h>

#include "common/bus/bus_metrics.h"
#include "common/http_server.h"
#include "correlator/detector_metrics.h"
#include "playbooks/responder_metrics.h"

namespace hinomi {
namespace {

TEST(MetricsTest, CheckNameEnforcesTheConvention) {
  using prometheus::MetricType;
  EXPECT_EQ(metrics::checkName("hinomi_bus_published_total", MetricType::Counter), "");
  EXPECT_EQ(metrics::checkName("hinomi_bus_delivery_latency_seconds", MetricType::Histogram), "");
  EXPECT_NE(metrics::checkName("hinomi_bus_published", MetricType::Counter), "");
  EXPECT_NE(metrics::checkName("hinomi_bus_queue_total", MetricType::Gauge), "");
  EXPECT_NE(metrics::checkName("bus_published_total", MetricType::Counter), "");
  EXPECT_NE(metrics::checkName("hinomi_BusPublished_total", MetricType::Counter), "");
  EXPECT_NE(metrics::checkName("hinomi_bus_latency_ms", MetricType::Gauge), "");
}

// Every metric any linked component registers follows hinomi_<component>_<what>_<unit>.
// Components register on first use, so touch the ones that exist before collecting.
TEST(MetricsTest, EveryRegisteredMetricFollowsTheConvention) {
  HttpServer server;  // registers the HTTP families
  bus::BusMetrics::forTopic("embedded", "hinomi.events");
  bus::BusMetrics::forTopic("kafka", "hinomi.events");
  correlator::DetectorMetrics::get().ruleMatches("some-rule");
  playbooks::ResponderMetrics::get().incidents->Add({{"outcome", "opened"}});
  auto families = metrics::registry().Collect();
  ASSERT_FALSE(families.empty());
  for (const auto& f : families) {
    EXPECT_EQ(metrics::checkName(f.name, f.type), "") << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name << " has no help text";
  }
}

}  // namespace
}  // namespace hinomi
