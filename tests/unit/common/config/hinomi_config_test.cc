#include "common/config/hinomi_config.h"

#include <cstdlib>
#include <set>

#include <gtest/gtest.h>

namespace hinomi::config {
namespace {

struct Loaded {
  HinomiConfig cfg;
  std::string errors;
  size_t count = 0;
};

Loaded load(const std::string& yaml) {
  Diagnostics d("t.yaml");
  Loaded l{loadConfigText(yaml, d), d.toString(), d.errors().size()};
  return l;
}

TEST(HinomiConfigTest, EmptyFileTakesEveryDefault) {
  auto l = load("");
  EXPECT_EQ(l.errors, "");
  EXPECT_EQ(l.cfg.data_dir, "data");
  EXPECT_EQ(l.cfg.http.listen, "127.0.0.1:8080");
  EXPECT_EQ(l.cfg.bus.type, BusType::kEmbedded);
  EXPECT_EQ(l.cfg.bus.embedded.fsync, bus::FsyncPolicy::kInterval);
  EXPECT_EQ(l.cfg.bus.embedded.path, "data/bus");
  EXPECT_EQ(l.cfg.topics.events, "hinomi.events");
}

TEST(HinomiConfigTest, TypedValuesLoad) {
  auto l = load(
      "data_dir: /var/lib/hinomi\n"
      "log: {level: debug}\n"
      "bus:\n"
      "  type: kafka\n"
      "  default_partitions: 12\n"
      "  embedded: {fsync: always, max_queued_records: 5000}\n"
      "  kafka:\n"
      "    bootstrap.servers: k1:9092,k2:9092\n"
      "    linger.ms: 5\n");
  EXPECT_EQ(l.errors, "");
  EXPECT_EQ(l.cfg.log.level, "debug");
  EXPECT_EQ(l.cfg.bus.type, BusType::kKafka);
  EXPECT_EQ(l.cfg.bus.embedded.fsync, bus::FsyncPolicy::kAlways);
  EXPECT_EQ(l.cfg.bus.embedded.max_queued_records, 5000);
  EXPECT_EQ(l.cfg.bus.embedded.default_partitions, 12);
  EXPECT_EQ(l.cfg.bus.kafka.librdkafka.at("bootstrap.servers"), "k1:9092,k2:9092");
  EXPECT_EQ(l.cfg.bus.kafka.librdkafka.at("linger.ms"), "5");
  EXPECT_EQ(l.cfg.bus.embedded.path, "/var/lib/hinomi/bus");
}

TEST(HinomiConfigTest, EveryMistakeIsReportedWithItsPosition) {
  auto l = load(
      "data_dir: [a, b]\n"           // 1: wrong type
      "log:\n"
      "  level: loud\n"              // 3: not a choice
      "  level: info\n"              // 4: duplicate
      "http:\n"
      "  listen: localhost\n"        // 6: no port
      "bus:\n"
      "  default_partitions: many\n"  // 8: not an integer
      "  embeded: {}\n"              // 9: misspelt
      "  kafka:\n"
      "    no.such.property: 1\n");  // 11: librdkafka refuses it
  EXPECT_EQ(l.count, 7u) << l.errors;
  EXPECT_EQ(l.errors,
            "t.yaml:1:11: error: data_dir: expected a string, got a list\n"
            "t.yaml:3:10: error: log.level: 'loud' is not one of: trace, debug, info, warn, error, critical, off\n"
            "t.yaml:4:3: error: duplicate key 'log.level'\n"
            "t.yaml:6:11: error: http.listen: 'localhost' is not host:port with a port 0..65535\n"
            "t.yaml:8:23: error: bus.default_partitions: expected an integer, got 'many'\n"
            "t.yaml:9:3: error: unknown key 'bus.embeded' (did you mean 'embedded'?)\n"
            "t.yaml:11:23: error: bus.kafka.no.such.property: No such configuration property: \"no.such.property\"\n");
}

TEST(HinomiConfigTest, YamlSyntaxErrorHasItsPosition) {
  auto l = load("log:\n  level: [info\n");
  EXPECT_EQ(l.count, 1u);
  EXPECT_EQ(l.errors.rfind("t.yaml:3:1: error: YAML syntax: ", 0), 0u) << l.errors;
}

TEST(HinomiConfigTest, KafkaNeedsBootstrapServers) {
  auto l = load("bus:\n  type: kafka\n");
  EXPECT_EQ(l.errors, "t.yaml:2:9: error: bus.type is kafka but bus.kafka has no bootstrap.servers\n");
}

TEST(HinomiConfigTest, EnvironmentVariablesKeepSecretsOutOfFiles) {
  setenv("HINOMI_TEST_SECRET", "s3cret", 1);
  auto l = load("bus:\n  kafka:\n    sasl.password: ${HINOMI_TEST_SECRET}\n    sasl.username: u-${HINOMI_TEST_UNSET_VAR}\n");
  EXPECT_EQ(l.cfg.bus.kafka.librdkafka.at("sasl.password"), "s3cret");
  EXPECT_EQ(l.errors, "t.yaml:4:20: error: environment variable HINOMI_TEST_UNSET_VAR is not set\n");
  EXPECT_EQ(l.errors.find("s3cret"), std::string::npos);
}

TEST(HinomiConfigTest, HttpListenersNeedATokenAndTakeNoListen) {
  setenv("HINOMI_TEST_INGEST_TOKEN", "t0k3n-from-env", 1);
  auto ok = load(
      "collector:\n"
      "  listeners:\n"
      "    - {name: in, transport: http, tokens: [\"${HINOMI_TEST_INGEST_TOKEN}\"]}\n");
  EXPECT_EQ(ok.errors, "");
  ASSERT_EQ(ok.cfg.collector.listeners.size(), 1u);
  EXPECT_EQ(ok.cfg.collector.listeners[0].tokens, std::vector<std::string>{"t0k3n-from-env"});
  EXPECT_EQ(ok.cfg.collector.listeners[0].max_body_bytes, 16 << 20);

  auto l = load(
      "collector:\n"
      "  listeners:\n"
      "    - name: no-token\n"
      "      transport: http\n"
      "    - name: with-listen\n"
      "      transport: http\n"
      "      tokens: [a]\n"
      "      listen: 0.0.0.0:9000\n"
      "    - {name: same-token, transport: http, tokens: [a], format: cef}\n");
  EXPECT_NE(l.errors.find("t.yaml:3:7: error: listener 'no-token': transport http needs at least one bearer token"),
            std::string::npos) << l.errors;
  EXPECT_NE(l.errors.find("t.yaml:8:15: error: listen: does not apply to transport http"), std::string::npos)
      << l.errors;
  EXPECT_NE(l.errors.find("t.yaml:9:64: error: format: transport http takes JSON only"), std::string::npos)
      << l.errors;
  EXPECT_NE(l.errors.find("t.yaml:9:7: error: listener 'same-token': a token is used by another http listener"),
            std::string::npos) << l.errors;
  EXPECT_EQ(l.count, 4u) << l.errors;
}

TEST(HinomiConfigTest, TopLevelMustBeAMapping) {
  auto l = load("- a\n- b\n");
  EXPECT_EQ(l.errors, "t.yaml:1:1: error: configuration: expected a mapping, got a list\n");
}

TEST(HinomiConfigTest, KeyWithoutValueIsAnError) {
  auto l = load("data_dir:\n");
  EXPECT_EQ(l.errors, "t.yaml:1:1: error: data_dir: has no value (remove the key to take the default)\n");
}

TEST(HinomiConfigTest, DocumentationCoversEveryOption) {
  auto docs = documentConfig();
  std::set<std::string> paths;
  for (auto& d : docs) {
    paths.insert(d.path);
    EXPECT_FALSE(d.description.empty()) << d.path;
  }
  for (const char* p : {"data_dir", "log.level", "http.listen", "bus.type", "bus.embedded.fsync",
                        "bus.embedded.retention_secs", "bus.kafka", "topics.events"})
    EXPECT_EQ(paths.count(p), 1u) << p;
}

TEST(HinomiConfigTest, HostPort) {
  EXPECT_EQ(parseHostPort("127.0.0.1:8080")->port, 8080);
  EXPECT_EQ(parseHostPort("[::1]:0")->host, "::1");
  EXPECT_FALSE(parseHostPort("::1:80"));
  EXPECT_FALSE(parseHostPort("host:99999"));
  EXPECT_FALSE(parseHostPort(":80"));
  EXPECT_FALSE(parseHostPort("host:"));
}

}  // namespace
}  // namespace hinomi::config
