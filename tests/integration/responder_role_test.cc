// `hinomi responder -c FILE` as it runs beside a remote correlator: incidents arrive on Kafka
// (librdkafka's mock cluster, `hinomi kafka-sandbox`), become a case, and the case's first
// notification reaches its receiver; the same incident published again is a duplicate.
#include <signal.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/bus/kafka_bus.h"
#include "correlator/incident.h"
#include "tests/testing/child_process.h"
#include "tests/testing/sinks.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ChildProcess;
using testing::TempDir;

TEST(ResponderRoleTest, TakesIncidentsFromKafkaAndNotifies) {
  TempDir dir;
  testing::Sink hook(dir.file("hook"), "webhook_sink.py");
  ASSERT_GT(hook.port(), 0) << hook.log();
  ChildProcess sandbox({HINOMI_BINARY, "kafka-sandbox", "--brokers", "1", "--partitions", "2"});
  auto line = sandbox.waitForLine("bootstrap.servers=", seconds(30));
  ASSERT_TRUE(line.has_value()) << sandbox.stderrText();
  const std::string bootstrap = line->substr(std::string("bootstrap.servers=").size());

  std::filesystem::create_directories(dir.file("tenants"));
  std::filesystem::create_directories(dir.file("playbooks"));
  dir.write("tenants/shunan.yaml", "tenant: shunan\nname: 周南市\nmodel: none\ncontacts:\n"
                                   "  - {role: poc, name: 窓口, webhook: \"" + hook.url() + "/hook\"}\n");
  dir.write("playbooks/pbm.yaml",
            "playbook: pbm\ntitle: マルウェア (試験)\nmatch: {tags: [hinomi.playbook.pb2]}\n"
            "case: {group_by: [host.name], window: 1h}\ncontacts: [poc]\n"
            "steps:\n  - {id: tell, phase: 連絡, kind: notify, to: [poc], channels: [webhook]}\n"
            "  - {id: report, phase: 再発防止, kind: report}\n"
            "recurrence_prevention:\n  - {id: cause, label: 原因}\n");
  const std::string cfg = dir.write(
      "hinomi.yaml", "data_dir: " + dir.file("data") +
                         "\nhttp:\n  listen: 127.0.0.1:0\n"
                         "bus:\n  type: kafka\n  default_partitions: 2\n  kafka:\n"
                         "    bootstrap.servers: \"" + bootstrap + "\"\n"
                         "    session.timeout.ms: 6000\n    heartbeat.interval.ms: 500\n"
                         "tenants: [" + dir.file("tenants") + "]\nplaybooks: [" + dir.file("playbooks") + "]\n");

  ChildProcess responder({HINOMI_BINARY, "responder", "-c", cfg});
  ASSERT_TRUE(responder.waitForLine("hinomi responder running.", seconds(60), /*from_stderr=*/true))
      << responder.stderrText();

  bus::KafkaBusOptions options;
  options.librdkafka = {{"bootstrap.servers", bootstrap}};
  auto kafka = bus::KafkaBus::open(options);
  ASSERT_TRUE(kafka.has_value()) << kafka.error().toString();
  correlator::Incident inc;
  inc.id = "6f1c0b8e-0000-8000-8000-000000000001";
  inc.rule_id = "malware-detected";
  inc.title = "Malware Detected";
  inc.level = "high";
  inc.tags = {"hinomi.playbook.pb2"};
  inc.tenant = "shunan";
  inc.first_ts_us = inc.last_ts_us = 1765242000000000;
  inc.event_count = 1;
  inc.fields["host.name"] = "LG-PC044";
  for (int i = 0; i < 2; ++i)  // the second is a re-delivery: the same incident id
    ASSERT_TRUE((*kafka)->publish("hinomi.incidents", "shunan", correlator::toJson(inc), nullptr).has_value());
  ASSERT_TRUE((*kafka)->flush(seconds(30)).has_value());

  std::vector<nlohmann::json> got;
  for (int i = 0; i < 1200 && got.empty(); ++i) {
    got = hook.records();
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_EQ(got.size(), 1u) << responder.stderrText();
  auto body = nlohmann::json::parse(got[0]["body"].get<std::string>());
  EXPECT_EQ(body["case"]["tenant"], "shunan");
  EXPECT_EQ(body["case"]["tenant_name"], "周南市");
  EXPECT_EQ(body["case"]["group"], nlohmann::json({{"host.name", "LG-PC044"}}));
  EXPECT_EQ(got[0]["headers"]["idempotency-key"], body["case"]["id"].get<std::string>() + ":tell:webhook:poc:0");

  std::this_thread::sleep_for(seconds(1));
  responder.signal(SIGTERM);
  auto code = responder.wait(seconds(60));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << responder.stderrText();
  EXPECT_EQ(hook.records().size(), 1u);  // the duplicate opened nothing and sent nothing
  auto list = testing::runProgram({HINOMI_BINARY, "cases", "list", "-c", cfg});
  EXPECT_NE(list.out.find("1 cases"), std::string::npos) << list.out << list.err;
  EXPECT_NE(responder.stderrText().find("Stopped cleanly."), std::string::npos);
  sandbox.signal(SIGTERM);
  sandbox.wait(seconds(30));
}

}  // namespace
}  // namespace hinomi
