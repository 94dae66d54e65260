// `hinomi kafka-sandbox` as a user runs it: one bootstrap line on stdout, the hinomi topics
// ready, records through KafkaBus, and a clean exit on SIGTERM.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "common/bus/kafka_bus.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::bus {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(KafkaSandbox, ServesTheHinomiTopicsUntilSigterm) {
  hinomi::testing::ChildProcess sandbox(
      {HINOMI_BINARY, "kafka-sandbox", "--brokers", "2", "--partitions", "3"});
  auto line = sandbox.waitForLine("bootstrap.servers=", seconds(30));
  ASSERT_TRUE(line.has_value()) << sandbox.stderrText();
  const std::string prefix = "bootstrap.servers=";
  ASSERT_EQ(line->rfind(prefix, 0), 0u) << *line;
  std::string bootstrap = line->substr(prefix.size());
  EXPECT_EQ(bootstrap.rfind("127.0.0.1:", 0), 0u) << bootstrap;

  {
    KafkaBusOptions options;
    options.librdkafka = {{"bootstrap.servers", bootstrap},
                          {"session.timeout.ms", "6000"},
                          {"heartbeat.interval.ms", "500"}};
    // No topic creator: the sandbox made the topics, so nothing here needs the Admin API.
    auto bus = KafkaBus::open(options);
    ASSERT_TRUE(bus.has_value()) << bus.error().toString();
    for (const char* topic : {"hinomi.events", "hinomi.matches", "hinomi.incidents"}) {
      EXPECT_EQ((*bus)->partitionCount(topic).value_or(-1), 3) << topic;
      EXPECT_TRUE((*bus)->ensureTopic(topic, 3).has_value()) << topic;
    }

    Delivery delivery;
    int calls = 0;
    ASSERT_TRUE((*bus)->publish("hinomi.events", "acme|fw-1", R"({"message":"hello"})",
                                [&](const Delivery& d) {
                                  delivery = d;
                                  ++calls;
                                }));
    ASSERT_TRUE((*bus)->flush(milliseconds(30000)).has_value());
    ASSERT_EQ(calls, 1);
    ASSERT_EQ(delivery.outcome, DeliveryOutcome::kDelivered) << delivery.error;

    auto consumer = (*bus)->subscribe("hinomi.events", "sandbox-test");
    ASSERT_TRUE(consumer.has_value()) << consumer.error().toString();
    std::vector<Record> got;
    auto deadline = std::chrono::steady_clock::now() + seconds(30);
    while (got.empty() && std::chrono::steady_clock::now() < deadline) {
      auto batch = (*consumer)->poll(10, milliseconds(200));
      ASSERT_TRUE(batch.has_value()) << batch.error().toString();
      got = std::move(*batch);
    }
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].key, "acme|fw-1");
    EXPECT_EQ(got[0].value, R"({"message":"hello"})");
    EXPECT_EQ(got[0].partition, delivery.partition);
    EXPECT_EQ(got[0].offset, delivery.offset);
    ASSERT_TRUE((*consumer)->commit({{got[0].partition, got[0].offset + 1}}).has_value());
    (*consumer)->close();
  }

  sandbox.signal(SIGTERM);
  auto code = sandbox.wait(seconds(30));
  ASSERT_TRUE(code.has_value()) << "the sandbox did not stop on SIGTERM";
  EXPECT_EQ(*code, 0) << sandbox.stderrText();
  EXPECT_EQ(sandbox.stdoutText(), *line + "\n") << "stdout must hold the bootstrap line only";
}

// The multi-process Kafka deployment on one machine: `hinomi run` on bus.type kafka against the
// sandbox, and `hinomi bus dump` reading a topic back through Kafka.
TEST(KafkaSandbox, HinomiRunAndBusDumpWorkOnTheKafkaBus) {
  hinomi::testing::ChildProcess sandbox({HINOMI_BINARY, "kafka-sandbox", "--partitions", "2"});
  auto line = sandbox.waitForLine("bootstrap.servers=", seconds(30));
  ASSERT_TRUE(line.has_value()) << sandbox.stderrText();
  std::string bootstrap = line->substr(std::string("bootstrap.servers=").size());
  hinomi::testing::TempDir dir;
  auto cfg = dir.write("kafka.yaml", "data_dir: " + dir.file("data") +
                                         "\nhttp:\n  listen: 127.0.0.1:0\nbus:\n  type: kafka\n"
                                         "  default_partitions: 2\n  kafka:\n    bootstrap.servers: " +
                                         bootstrap + "\n");
  {
    hinomi::testing::ChildProcess run({HINOMI_BINARY, "run", "-c", cfg});
    auto running = run.waitForLine("hinomi running.", seconds(60), /*from_stderr=*/true);
    ASSERT_TRUE(running.has_value()) << run.stderrText();
    EXPECT_NE(running->find("bus=kafka"), std::string::npos) << *running;
    run.signal(SIGTERM);
    auto code = run.wait(seconds(60));
    ASSERT_TRUE(code.has_value()) << "hinomi run did not stop on SIGTERM\n" << run.stderrText();
    EXPECT_EQ(*code, 0) << run.stderrText();
  }
  {
    KafkaBusOptions options;
    options.librdkafka = {{"bootstrap.servers", bootstrap}};
    auto bus = KafkaBus::open(options);
    ASSERT_TRUE(bus.has_value()) << bus.error().toString();
    int delivered = 0;
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE((*bus)->publish("hinomi.incidents", "inc-" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}",
                                  [&](const Delivery& d) { delivered += d.outcome == DeliveryOutcome::kDelivered; }));
    ASSERT_TRUE((*bus)->flush(milliseconds(30000)).has_value());
    ASSERT_EQ(delivered, 5);
  }
  auto dump = hinomi::testing::runProgram(
      {HINOMI_BINARY, "bus", "dump", "-c", cfg, "--topic", "hinomi.incidents", "-n", "5", "--idle-ms", "20000"});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_EQ(std::count(dump.out.begin(), dump.out.end(), '\n'), 5) << dump.out << dump.err;
  EXPECT_NE(dump.out.find("\"key\":\"inc-3\""), std::string::npos) << dump.out;
  EXPECT_NE(dump.out.find("\"value\":{\"n\":3}"), std::string::npos) << dump.out;
}

TEST(KafkaSandbox, HelpSaysItIsAMockNotForProduction) {
  auto r = hinomi::testing::runProgram({HINOMI_BINARY, "kafka-sandbox", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("mock"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NOT for production"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace hinomi::bus
