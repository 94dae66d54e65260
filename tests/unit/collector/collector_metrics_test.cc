#include <gtest/gtest.h>

#include "collector/collector_metrics.h"
#include "collector/spool/spool_metrics.h"
#include "collector/sources/file_tail_source.h"
#include "collector/sources/tcp_syslog_source.h"
#include "collector/sources/udp_syslog_source.h"
#include "common/metrics.h"

namespace hinomi::collector {
namespace {

// Every collector metric follows hinomi_<component>_<what>_<unit> (families register on first use,
// so the sources and the spool metrics are created first).
TEST(CollectorMetricsTest, EveryCollectorMetricFollowsTheConvention) {
  UdpSyslogSource udp({}, [](const ReceivedMessage&) {});
  TcpSyslogSource tcp({}, [] { return std::unique_ptr<Framer>(); }, [](const ReceivedMessage&) {});
  FileTailSource file({}, [](const ReceivedMessage&) {}, [] { return true; });
  SpoolMetrics::forSpool("metrics-test");
  int collector_families = 0;
  for (const auto& f : metrics::registry().Collect()) {
    EXPECT_EQ(metrics::checkName(f.name, f.type), "") << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
    if (f.name.rfind("hinomi_collector_", 0) == 0 || f.name.rfind("hinomi_spool_", 0) == 0) ++collector_families;
  }
  EXPECT_GE(collector_families, 10);
}

}  // namespace
}  // namespace hinomi::collector
