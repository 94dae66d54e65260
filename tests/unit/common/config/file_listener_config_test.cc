// `transport: file` listeners: their options, defaults, and the mistakes the loader reports.
#include <gtest/gtest.h>

#include "common/config/hinomi_config.h"

namespace hinomi::config {
namespace {

std::string errorsOf(const std::string& yaml, HinomiConfig* out = nullptr) {
  Diagnostics d("t.yaml");
  auto cfg = loadConfigText(yaml, d);
  if (out) *out = cfg;
  return d.toString();
}

TEST(FileListenerConfigTest, LoadsWithDefaults) {
  HinomiConfig cfg;
  EXPECT_EQ(errorsOf("collector:\n  listeners:\n    - {name: auth-log, transport: file, path: /var/log/auth.log}\n",
                     &cfg),
            "");
  ASSERT_EQ(cfg.collector.listeners.size(), 1u);
  const auto& l = cfg.collector.listeners[0];
  EXPECT_EQ(l.path, "/var/log/auth.log");
  EXPECT_EQ(l.poll_interval_ms, 250);
  EXPECT_EQ(l.start_at, "beginning");
  EXPECT_EQ(cfg.tailPositionPath("auth-log"), "data/tail/auth-log.pos");
}

TEST(FileListenerConfigTest, MistakesAreReportedWithTheirPosition) {
  EXPECT_EQ(errorsOf("collector:\n"
                     "  listeners:\n"
                     "    - name: no-path\n"
                     "      transport: file\n"
                     "    - name: a/b\n"
                     "      transport: file\n"
                     "      path: /x\n"
                     "      start_at: middle\n"
                     "      tenant_by_source: [{cidr: 10.0.0.0/8, tenant: t}]\n"
                     "    - {name: udp, transport: udp, path: /x}\n"),
            "t.yaml:4:18: error: transport file needs a path\n"
            "t.yaml:8:17: error: collector.listeners[1].start_at: 'middle' is not one of: beginning, end\n"
            "t.yaml:9:25: error: tenant_by_source: lines from a file have no sender address; use tenant\n"
            "t.yaml:5:13: error: name: 'a/b' names a position file: use letters, digits, '.', '_', '-'\n"
            "t.yaml:10:41: error: path: only for transport file\n");
}

TEST(FileListenerConfigTest, ListenIsNotCheckedForAFileListener) {
  EXPECT_EQ(errorsOf("collector:\n  listeners:\n"
                     "    - {name: f, transport: file, path: /x, listen: unused}\n"),
            "");
}

}  // namespace
}  // namespace hinomi::config
