#include "correlator/detector.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "common/bus/embedded_bus.h"
#include "common/event.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "correlator/detection_loader.h"
#include "correlator/detector_metrics.h"
#include "correlator/incident.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::correlator {
namespace {

using namespace std::chrono_literals;
using hinomi::testing::TempDir;

const std::string kSource = HINOMI_SOURCE_DIR;
const std::string kFailedPasswordRule = "0b7d1f3e-4c2a-4e8b-9d61-5a3f8e2c1d01";  // config/rules/linux

config::CorrelatorOptions shippedOptions() {
  config::CorrelatorOptions o;
  o.decoders = {kSource + "/config/decoders"};
  o.rules = {kSource + "/config/rules"};
  return o;
}

DetectionSet shippedDetection() {
  auto loaded = loadDetection(shippedOptions(), *logging::get("correlator"));
  EXPECT_TRUE(loaded.has_value()) << loaded.error().toString();
  return loaded ? loaded->set : DetectionSet{};
}

Event sshdEvent(const std::string& message, int64_t ingest_us) {
  Event e;
  e.id = newEventId(ingest_us);
  e.ts_us = ingest_us - 1000;
  e.ingest_ts_us = ingest_us;
  e.tenant = "katsuragi";
  e.listener = "syslog-udp";
  e.host = "gw1";
  e.app = "sshd";
  e.facility = 4;
  e.severity = 6;
  e.message = message;
  e.raw = "<38>Nov 23 17:00:00 gw1 sshd[4242]: " + message;
  return e;
}

// Publishes `value` and waits for its delivery; returns where it landed.
bus::Delivery publish(bus::Bus& bus, const std::string& topic, const std::string& key, const std::string& value) {
  std::mutex mu;
  bus::Delivery got;
  auto st = bus.publish(topic, key, value, [&](const bus::Delivery& d) {
    std::lock_guard lock(mu);
    got = d;
  });
  EXPECT_TRUE(st.has_value()) << st.error().toString();
  auto fl = bus.flush(10s);
  EXPECT_TRUE(fl.has_value());
  std::lock_guard lock(mu);
  EXPECT_EQ(got.outcome, bus::DeliveryOutcome::kDelivered) << got.error;
  return got;
}

std::vector<bus::Record> readAll(bus::Consumer& c) {
  std::vector<bus::Record> got;
  for (;;) {
    auto batch = c.poll(1000, 100ms);
    EXPECT_TRUE(batch.has_value()) << batch.error().toString();
    if (!batch || batch->empty()) return got;
    for (auto& r : *batch) got.push_back(std::move(r));
  }
}

class DetectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bus::EmbeddedBusOptions o;
    o.path = dir_.file("bus");
    auto opened = bus::EmbeddedBus::open(o);
    ASSERT_TRUE(opened.has_value()) << opened.error().toString();
    bus_ = std::move(*opened);
    ASSERT_TRUE(bus_->ensureTopic("hinomi.events", 4).has_value());
    ASSERT_TRUE(bus_->ensureTopic("hinomi.incidents", 4).has_value());
    detection_ = shippedDetection();
    ASSERT_TRUE(detection_.rules);
  }

  // Publishes an event keyed as the collector keys it; records the next offset per partition.
  void publishEvent(const std::string& value, const std::string& key = "katsuragi|gw1") {
    auto d = publish(*bus_, "hinomi.events", key, value);
    end_[d.partition] = std::max(end_[d.partition], d.offset + 1);
  }

  DetectorOptions options() const {
    DetectorOptions o;
    o.poll_timeout = 20ms;
    o.retry_backoff = 1ms;
    o.max_retry_backoff = 4ms;
    return o;
  }

  std::unique_ptr<Detector> startDetector(bus::Bus& bus) {
    auto d = Detector::start(bus, options(), detection_);
    EXPECT_TRUE(d.has_value()) << d.error().toString();
    return d ? std::move(*d) : nullptr;
  }

  // The detector group's committed offset per partition, read by a fresh member of the group.
  std::map<int32_t, int64_t> committed() {
    auto c = bus_->subscribe("hinomi.events", "hinomi-detector");
    EXPECT_TRUE(c.has_value());
    std::map<int32_t, int64_t> out;
    for (int32_t p = 0; p < 4; ++p) {
      auto off = (*c)->committed(p);
      EXPECT_TRUE(off.has_value());
      if (off && *off) out[p] = **off;
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<bus::Bus> bus_;
  DetectionSet detection_;
  std::map<int32_t, int64_t> end_;
};

TEST_F(DetectorTest, RaisesOneIncidentCommitsAndDoesNotReprocessAfterRestart) {
  auto& m = DetectorMetrics::get();
  const double invalid_before = m.invalid->Value();
  const double decoded_before = m.decoded->Value();
  const double matches_before = m.ruleMatches(kFailedPasswordRule).Value();

  Event hit = sshdEvent("Failed password for root from 203.0.113.9 port 52113 ssh2", 1'700'000'000'000'000);
  Event miss = sshdEvent("Connection closed by 198.51.100.7 port 40000", 1'700'000'000'000'100);
  publishEvent(toJson(hit));
  publishEvent(toJson(miss));
  publishEvent("{\"id\": \"not an event\", \"ts\": ", "katsuragi|gw2");

  auto reader = bus_->subscribe("hinomi.incidents", "test-reader");
  ASSERT_TRUE(reader.has_value());
  {
    auto detector = startDetector(*bus_);
    ASSERT_TRUE(detector);
    ASSERT_TRUE(detector->waitForCommitted(3, 30s)) << "committed " << detector->committedEvents();
    detector->stop();
    EXPECT_EQ(detector->committedEvents(), 3u);
  }
  EXPECT_EQ(committed(), end_);  // the invalid record is committed too
  EXPECT_EQ(m.invalid->Value() - invalid_before, 1);
  EXPECT_EQ(m.decoded->Value() - decoded_before, 2);  // both sshd lines, only one matches
  EXPECT_EQ(m.ruleMatches(kFailedPasswordRule).Value() - matches_before, 1);

  auto incidents = readAll(**reader);
  ASSERT_EQ(incidents.size(), 1u);
  auto incident = incidentFromJson(incidents[0].value);
  ASSERT_TRUE(incident.has_value()) << incident.error().toString();
  EXPECT_EQ(incident->rule_id, kFailedPasswordRule);
  EXPECT_EQ(incident->title, "SSH Password Authentication Failed");
  EXPECT_EQ(incident->tenant, "katsuragi");
  EXPECT_EQ(incident->id, incidentId(kFailedPasswordRule, "katsuragi", nlohmann::json::object(), hit.id));
  EXPECT_EQ(incidents[0].key, incident->id);
  EXPECT_EQ(incident->event_ids, std::vector<std::string>{hit.id});
  EXPECT_EQ(incident->first_ts_us, hit.ts_us);
  EXPECT_EQ(incident->fields.value("source.ip", ""), "203.0.113.9");  // set by the sshd decoder
  EXPECT_EQ(incident->fields.value("user.name", ""), "root");
  EXPECT_EQ(incident->fields.value("event.outcome", ""), "failure");

  // Restarted on the same bus: it resumes after the committed offsets, so only the new event is
  // read (committedEvents counts 1, not 4) and only its incident is published.
  auto detector = startDetector(*bus_);
  ASSERT_TRUE(detector);
  Event again = sshdEvent("Failed password for admin from 203.0.113.10 port 52114 ssh2", 1'700'000'000'000'200);
  publishEvent(toJson(again));
  ASSERT_TRUE(detector->waitForCommitted(1, 30s));
  detector->stop();
  EXPECT_EQ(detector->committedEvents(), 1u);
  EXPECT_EQ(committed(), end_);
  auto more = readAll(**reader);
  ASSERT_EQ(more.size(), 1u);
  auto second = incidentFromJson(more[0].value);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->event_ids, std::vector<std::string>{again.id});
  EXPECT_EQ(second->fields.value("user.name", ""), "admin");
}

TEST_F(DetectorTest, EnrichesWithTheTenantPolicyBeforeMatching) {
  TenantPolicyLoader loader;
  loader.addText("tenant: katsuragi\nmodel: three-tier\nzones:\n"
                 "  - {name: lgwan, cidrs: [10.20.0.0/16]}\n"
                 "  - {name: internet, cidrs: [203.0.113.0/24]}\n",
                 "katsuragi.yaml");
  auto load = std::move(loader).finish();
  ASSERT_TRUE(load.ok()) << load.errorText();
  detection_.tenants = std::make_shared<const TenantPolicies>(std::move(load.policies));

  Event hit = sshdEvent("Failed password for root from 203.0.113.9 port 52113 ssh2", 1'700'000'000'000'000);
  publishEvent(toJson(hit));
  auto reader = bus_->subscribe("hinomi.incidents", "test-reader");
  ASSERT_TRUE(reader.has_value());
  auto detector = startDetector(*bus_);
  ASSERT_TRUE(detector);
  ASSERT_TRUE(detector->waitForCommitted(1, 30s));
  detector->stop();
  auto incidents = readAll(**reader);
  ASSERT_EQ(incidents.size(), 1u);
  auto incident = incidentFromJson(incidents[0].value);
  ASSERT_TRUE(incident.has_value());
  EXPECT_EQ(incident->fields.value("source.zone", ""), "internet");  // from the decoded source.ip
}

// A bus that answers publishes on the incidents topic as `outcome` says (by call number) and
// forwards everything else to the embedded bus; nullopt holds the record without an outcome
// until the bus goes away (a broker that does not answer).
class ScriptedBus final : public bus::Bus {
 public:
  using Script = std::function<std::optional<bus::DeliveryOutcome>(int call)>;
  ScriptedBus(bus::Bus& inner, Script script) : inner_(inner), script_(std::move(script)) {}
  ~ScriptedBus() override {
    for (auto& cb : held_) cb(bus::Delivery{bus::DeliveryOutcome::kRetry, -1, -1, "bus closed"});
  }
  std::string_view kind() const override { return "scripted"; }
  Status ensureTopic(const std::string& t, int p) override { return inner_.ensureTopic(t, p); }
  Result<int> partitionCount(const std::string& t) override { return inner_.partitionCount(t); }
  Status publish(const std::string& topic, std::string_view key, std::string_view value,
                 bus::DeliveryCallback cb) override {
    if (topic != "hinomi.incidents") return inner_.publish(topic, key, value, std::move(cb));
    auto outcome = script_(calls_++);
    if (!outcome) {
      std::lock_guard lock(mu_);
      held_.push_back(std::move(cb));
      return {};
    }
    if (*outcome == bus::DeliveryOutcome::kDelivered) return inner_.publish(topic, key, value, std::move(cb));
    cb(bus::Delivery{*outcome, -1, -1, "scripted"});
    return {};
  }
  Status flush(std::chrono::milliseconds t) override { return inner_.flush(t); }
  Result<std::unique_ptr<bus::Consumer>> subscribe(const std::string& t, const std::string& g) override {
    return inner_.subscribe(t, g);
  }
  int calls() const { return calls_; }

 private:
  bus::Bus& inner_;
  Script script_;
  std::atomic<int> calls_{0};
  std::mutex mu_;
  std::vector<bus::DeliveryCallback> held_;
};

TEST_F(DetectorTest, RetriesUntilDeliveredBeforeCommitting) {
  auto& m = DetectorMetrics::get();
  const double retries_before = m.retries->Value();
  ScriptedBus flaky(*bus_, [](int call) {
    return call < 3 ? bus::DeliveryOutcome::kRetry : bus::DeliveryOutcome::kDelivered;
  });
  publishEvent(toJson(sshdEvent("Failed password for root from 203.0.113.9 port 52113 ssh2", 1'700'000'000'000'000)));
  auto detector = startDetector(flaky);
  ASSERT_TRUE(detector);
  ASSERT_TRUE(detector->waitForCommitted(1, 30s));
  detector->stop();
  EXPECT_EQ(flaky.calls(), 4);
  EXPECT_EQ(m.retries->Value() - retries_before, 3);
  auto reader = bus_->subscribe("hinomi.incidents", "test-reader");
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ(readAll(**reader).size(), 1u);
  EXPECT_EQ(committed(), end_);
}

TEST_F(DetectorTest, ARejectedIncidentIsCountedAndTheBatchStillCommitted) {
  auto& m = DetectorMetrics::get();
  const double rejected_before = m.rejected->Value();
  ScriptedBus refusing(*bus_, [](int) { return bus::DeliveryOutcome::kRejected; });
  publishEvent(toJson(sshdEvent("Failed password for root from 203.0.113.9 port 52113 ssh2", 1'700'000'000'000'000)));
  auto detector = startDetector(refusing);
  ASSERT_TRUE(detector);
  ASSERT_TRUE(detector->waitForCommitted(1, 30s));
  detector->stop();
  EXPECT_EQ(m.rejected->Value() - rejected_before, 1);
  EXPECT_EQ(committed(), end_);
}

TEST_F(DetectorTest, StoppingWithIncidentsInFlightCommitsNothingAndTheRestartReEmitsTheSameId) {
  Event hit = sshdEvent("Failed password for root from 203.0.113.9 port 52113 ssh2", 1'700'000'000'000'000);
  publishEvent(toJson(hit));
  {
    std::atomic<int> published{0};
    ScriptedBus silent(*bus_, [&published](int) {
      published++;
      published.notify_all();
      return std::optional<bus::DeliveryOutcome>();
    });
    auto o = options();
    o.stop_grace = 1ms;
    auto detector = Detector::start(silent, o, detection_);
    ASSERT_TRUE(detector.has_value());
    published.wait(0);  // the incident is handed to the bus, which never answers
    (*detector)->stop();
    EXPECT_EQ((*detector)->committedEvents(), 0u);
  }
  EXPECT_TRUE(committed().empty());

  auto detector = startDetector(*bus_);
  ASSERT_TRUE(detector);
  ASSERT_TRUE(detector->waitForCommitted(1, 30s));
  detector->stop();
  EXPECT_EQ(committed(), end_);
  auto reader = bus_->subscribe("hinomi.incidents", "test-reader");
  ASSERT_TRUE(reader.has_value());
  auto incidents = readAll(**reader);
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].key, incidentId(kFailedPasswordRule, "katsuragi", nlohmann::json::object(), hit.id));
}

TEST(DetectionLoaderTest, LogsRefusedRulesLoadsTheRestAndSetsTheGauges) {
  TempDir dir;
  dir.write("rules/good.yml",
            "title: Good\nid: good-1\nlogsource: {product: test}\ndetection:\n  k: ['hello *']\n  condition: k\n");
  dir.write("rules/bad.yml", "title: Bad\nid: bad-1\nlogsource: {product: test}\ndetection:\n  condition: nothing\n");
  config::CorrelatorOptions o;
  o.decoders = {kSource + "/config/decoders"};
  o.rules = {dir.file("rules")};
  auto loaded = loadDetection(o, *logging::get("correlator"));
  ASSERT_TRUE(loaded.has_value()) << loaded.error().toString();
  EXPECT_EQ(loaded->rules_refused, 1);
  ASSERT_EQ(loaded->set.rules->size(), 1u);
  EXPECT_EQ(loaded->set.rules->rules()[0].id, "good-1");
  EXPECT_GT(loaded->set.decoders->size(), 0u);
  auto& m = DetectorMetrics::get();
  EXPECT_EQ(m.rules_loaded->Value(), 1);
  EXPECT_EQ(m.rules_refused->Value(), 1);
}

TEST(DetectionLoaderTest, ABrokenDecoderFileIsLoggedAndTheOtherDecodersLoad) {
  TempDir dir;
  dir.write("decoders/a_good.yaml", "decoders:\n  - name: good\n    app: [demo]\n    patterns:\n"
                                    "      - regex: '^user (?P<user_name>\\S+)'\n");
  dir.write("decoders/b_bad.yaml", "decoders:\n  - name: bad\n    app: [demo]\n    patterns:\n      - regex: '('\n");
  config::CorrelatorOptions o;
  o.decoders = {dir.file("decoders")};
  o.rules = {kSource + "/config/rules"};
  auto loaded = loadDetection(o, *logging::get("correlator"));
  ASSERT_TRUE(loaded.has_value()) << loaded.error().toString();
  EXPECT_EQ(loaded->decoder_errors, 1u);
  ASSERT_EQ(loaded->set.decoders->size(), 1u);
  EXPECT_EQ(loaded->set.decoders->decoders()[0].name, "good");
  EXPECT_EQ(DetectorMetrics::get().decoders_loaded->Value(), 1);
}

TEST(DetectionLoaderTest, AMissingDirectoryStopsTheStart) {
  TempDir dir;
  config::CorrelatorOptions o;
  o.decoders = {kSource + "/config/decoders"};
  o.rules = {dir.file("no-such-rules")};
  auto loaded = loadDetection(o, *logging::get("correlator"));
  ASSERT_FALSE(loaded.has_value());
  EXPECT_NE(loaded.error().message.find("correlator.rules: " + dir.file("no-such-rules") + ": no such directory"),
            std::string::npos)
      << loaded.error().message;
}

}  // namespace
}  // namespace hinomi::correlator
