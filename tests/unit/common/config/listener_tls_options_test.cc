// transport: tls and its tls section: loaded, and every mistake reported with its position.
#include <gtest/gtest.h>

#include "common/config/hinomi_config.h"

namespace hinomi::config {
namespace {

std::string errorsOf(const std::string& yaml, HinomiConfig* out = nullptr) {
  Diagnostics d("t.yaml");
  HinomiConfig cfg = loadConfigText(yaml, d);
  if (out != nullptr) *out = cfg;
  return d.toString();
}

TEST(ListenerTlsOptionsTest, TlsSectionLoads) {
  HinomiConfig cfg;
  EXPECT_EQ(errorsOf("collector:\n"
                     "  listeners:\n"
                     "    - name: syslog-tls\n"
                     "      transport: tls\n"
                     "      listen: 127.0.0.1:6514\n"
                     "      tls:\n"
                     "        cert_file: /etc/hinomi/server.pem\n"
                     "        key_file: /etc/hinomi/server.key\n"
                     "        ca_file: /etc/hinomi/ca.pem\n"
                     "        min_version: \"1.3\"\n",
                     &cfg),
            "");
  ASSERT_EQ(cfg.collector.listeners.size(), 1u);
  const auto& t = cfg.collector.listeners[0].tls;
  EXPECT_EQ(cfg.collector.listeners[0].transport, "tls");
  EXPECT_EQ(t.cert_file, "/etc/hinomi/server.pem");
  EXPECT_EQ(t.key_file, "/etc/hinomi/server.key");
  EXPECT_EQ(t.ca_file, "/etc/hinomi/ca.pem");
  EXPECT_TRUE(t.require_client_cert);
  EXPECT_EQ(t.min_version, "1.3");
}

TEST(ListenerTlsOptionsTest, TransportTlsNeedsTheSection) {
  EXPECT_EQ(errorsOf("collector:\n  listeners:\n    - {name: a, transport: tls, listen: 127.0.0.1:6514}\n"),
            "t.yaml:3:28: error: transport tls needs a tls section with cert_file and key_file\n");
}

TEST(ListenerTlsOptionsTest, MistakesInTheSectionHaveTheirPositions) {
  EXPECT_EQ(errorsOf("collector:\n"
                     "  listeners:\n"
                     "    - name: a\n"
                     "      transport: tls\n"
                     "      tls:\n"
                     "        key_file: k.pem\n"
                     "        min_version: \"1.1\"\n"
                     "        require_client_cert: true\n"),
            "t.yaml:7:22: error: collector.listeners[0].tls.min_version: '1.1' is not one of: 1.2, 1.3\n"
            "t.yaml:6:9: error: tls: cert_file is required\n"
            "t.yaml:8:30: error: tls.require_client_cert: needs ca_file to verify client certificates against\n");
}

TEST(ListenerTlsOptionsTest, TlsSectionOnlyForTransportTls) {
  EXPECT_EQ(errorsOf("collector:\n"
                     "  listeners:\n"
                     "    - name: a\n"
                     "      transport: tcp\n"
                     "      tls: {cert_file: c.pem, key_file: k.pem}\n"),
            "t.yaml:5:12: error: tls: only for transport tls\n");
}

}  // namespace
}  // namespace hinomi::config
