// 証拠保全: collecting a case's raw events off the embedded bus (by id, by host and time window,
// never another tenant's), writing the bundle atomically and detecting a modified byte.
#include "playbooks/evidence_bundle.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/bus/embedded_bus.h"
#include "common/event.h"
#include "common/sha256.h"
#include "common/time.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::playbooks {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTopic = "hinomi.events";
const int64_t kT0 = *parseRfc3339("2026-12-09T01:00:00Z");
constexpr int64_t kSec = 1'000'000;

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeAll(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

Event event(const std::string& id, const std::string& tenant, const std::string& host, int64_t ts_us,
            const std::string& raw) {
  Event e;
  e.id = id;
  e.tenant = tenant;
  e.host = host;
  e.ts_us = ts_us;
  e.ingest_ts_us = ts_us + kSec;
  e.listener = "syslog-udp";
  e.app = "sshd";
  e.raw = raw;
  e.message = raw;
  return e;
}

class EvidenceBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bus::EmbeddedBusOptions o;
    o.path = dir_.file("bus");
    o.retention_secs = 0;
    auto b = bus::EmbeddedBus::open(o);
    ASSERT_TRUE(b.has_value()) << b.error().toString();
    bus_ = std::move(*b);
    ASSERT_TRUE(bus_->ensureTopic(kTopic, 4).has_value());

    Event with_field = event("e5", "katsuragi", "wef-collector", kT0 + 30 * kSec, "4625 logon failure on pc-01");
    with_field.fields["host.name"] = "pc-01";
    const std::vector<Event> events = {
        event("e1", "katsuragi", "pc-01", kT0 + 10 * kSec, "Failed password for yamada from 203.0.113.7"),
        event("e2", "katsuragi", "PC-01", kT0 + 20 * kSec, std::string("binary \xff\xfe bytes", 15)),
        event("e3", "katsuragi", "pc-02", kT0 + 15 * kSec, "requested by id"),
        event("e4", "katsuragi", "pc-01", kT0 - 3600 * kSec, "before the window"),
        with_field,
        event("e6", "katsuragi", "pc-09", kT0 + 7200 * kSec, "after the window, requested by id"),
        event("e1", "katsuragi", "pc-01", kT0 + 10 * kSec, "Failed password for yamada from 203.0.113.7"),
        event("e8", "toyama", "pc-01", kT0 + 10 * kSec, "other tenant, same host"),
        event("e9", "toyama", "pc-02", kT0 + 11 * kSec, "other tenant, requested id"),
        event("e10", "katsuragi", "pc-03", kT0 + 12 * kSec, "another host"),
    };
    std::atomic<int> delivered{0};
    for (const auto& e : events) {
      auto st = bus_->publish(kTopic, e.tenant + "|" + e.host, toJson(e), [&delivered](const bus::Delivery& d) {
        if (d.outcome == bus::DeliveryOutcome::kDelivered) delivered++;
      });
      ASSERT_TRUE(st.has_value()) << st.error().toString();
    }
    ASSERT_TRUE(bus_->flush(std::chrono::seconds(10)).has_value());
    ASSERT_EQ(delivered.load(), int(events.size()));
  }

  Result<std::vector<EvidenceEvent>> collect(size_t max = 100000, bool* capped = nullptr) {
    return collectCaseEvents(*bus_, kTopic, "katsuragi", {"e3", "e6", "e9"}, {"pc-01"}, kT0, kT0 + 3600 * kSec,
                             max, capped);
  }

  hinomi::testing::TempDir dir_;
  std::unique_ptr<bus::Bus> bus_;
};

std::vector<std::string> ids(const std::vector<EvidenceEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.id);
  return out;
}

TEST_F(EvidenceBundleTest, CollectsTheCaseEventsOfItsTenantOnly) {
  bool capped = true;
  auto got = collect(100000, &capped);
  ASSERT_TRUE(got.has_value()) << got.error().toString();
  // By event time: e3 (by id), e1 and e2 (host, either case), e5 (host.name), e6 (by id, outside
  // the window). Not e4 (before the window), e8/e9 (other tenant), e10 (other host), e1 twice.
  EXPECT_EQ(ids(*got), (std::vector<std::string>{"e1", "e3", "e2", "e5", "e6"}));
  EXPECT_FALSE(capped);
  EXPECT_EQ((*got)[0].raw, "Failed password for yamada from 203.0.113.7");
  EXPECT_EQ((*got)[2].raw, std::string("binary \xff\xfe bytes", 15));  // any bytes survive
  EXPECT_EQ((*got)[0].ts_us, kT0 + 10 * kSec);
  auto stored = eventFromJson((*got)[3].record);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->id, "e5");
  EXPECT_EQ(stored->host, "wef-collector");

  // Nothing was committed: a second collection reads the same.
  auto again = collect();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(ids(*again), ids(*got));
}

TEST_F(EvidenceBundleTest, CollectionStopsAtMaxEvents) {
  bool capped = false;
  auto got = collect(2, &capped);
  ASSERT_TRUE(got.has_value()) << got.error().toString();
  EXPECT_EQ(got->size(), 2u);
  EXPECT_TRUE(capped);
}

TEST_F(EvidenceBundleTest, WritesAVerifiableBundleAndDetectsTampering) {
  auto got = collect();
  ASSERT_TRUE(got.has_value()) << got.error().toString();
  const std::string base = dir_.file("evidence");
  const int64_t now = kT0 + 7200 * kSec;
  auto m = writeEvidenceBundle(base, "case-0001", "preserve_evidence", *got, now, false);
  ASSERT_TRUE(m.has_value()) << m.error().toString();
  const fs::path dir = fs::path(base) / "case-0001" / "preserve_evidence";
  EXPECT_EQ(m->dir, dir.string());
  EXPECT_EQ(m->events, 5u);
  EXPECT_EQ(m->case_id, "case-0001");
  EXPECT_EQ(m->step_id, "preserve_evidence");
  EXPECT_EQ(m->toJson()["bundle_sha256"], m->bundle_sha256);

  const std::string lines = readAll(dir / "events.jsonl");
  EXPECT_EQ(m->bundle_sha256, sha256Hex(lines));
  auto manifest = nlohmann::json::parse(readAll(dir / "manifest.json"));
  EXPECT_EQ(manifest["case"], "case-0001");
  EXPECT_EQ(manifest["step"], "preserve_evidence");
  EXPECT_EQ(manifest["count"], 5);
  EXPECT_EQ(manifest["bundle_sha256"], m->bundle_sha256);
  EXPECT_EQ(manifest["created"], formatRfc3339(now));
  ASSERT_EQ(manifest["events"].size(), 5u);
  std::istringstream in(lines);
  std::string line;
  for (size_t i = 0; i < got->size(); ++i) {
    ASSERT_TRUE(std::getline(in, line));
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["id"], (*got)[i].id);
    EXPECT_EQ(j["sha256"], sha256Hex((*got)[i].raw));
    EXPECT_EQ(j["record"], (*got)[i].record);
    EXPECT_EQ(manifest["events"][i]["id"], (*got)[i].id);
    EXPECT_EQ(manifest["events"][i]["sha256"], sha256Hex((*got)[i].raw));
  }
  const auto first = nlohmann::json::parse(lines.substr(0, lines.find('\n')));
  EXPECT_EQ(first["raw"], (*got)[0].raw);
  EXPECT_FALSE(first.contains("raw_encoding"));
  const size_t e2 = lines.find("{\"id\":\"e2\"");
  ASSERT_NE(e2, std::string::npos);
  const auto binary = nlohmann::json::parse(lines.substr(e2, lines.find('\n', e2) - e2));
  EXPECT_EQ(binary["raw_encoding"], "base64");  // not UTF-8: base64, hashed as the bytes
  auto ok = verifyEvidenceBundle(dir.string());
  EXPECT_TRUE(ok.has_value()) << ok.error().toString();

  // One byte of e1's raw line changed: verification names e1.
  std::string tampered = lines;
  const size_t at = tampered.find("yamada");
  ASSERT_NE(at, std::string::npos);
  tampered[at] = 'Y';
  writeAll(dir / "events.jsonl", tampered);
  auto bad = verifyEvidenceBundle(dir.string());
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("id e1"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("raw bytes"), std::string::npos) << bad.error().message;

  // A changed record (its raw intact) is found by the line's hash, still naming the event.
  tampered = lines;
  const size_t rec = tampered.find("wef-collector");
  ASSERT_NE(rec, std::string::npos);
  tampered[rec] = 'W';
  writeAll(dir / "events.jsonl", tampered);
  bad = verifyEvidenceBundle(dir.string());
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("id e5"), std::string::npos) << bad.error().message;

  // A removed last line.
  writeAll(dir / "events.jsonl", lines.substr(0, lines.rfind('\n', lines.size() - 2) + 1));
  EXPECT_FALSE(verifyEvidenceBundle(dir.string()).has_value());
}

TEST_F(EvidenceBundleTest, WritingAgainReplacesTheBundle) {
  auto got = collect();
  ASSERT_TRUE(got.has_value()) << got.error().toString();
  const std::string base = dir_.file("evidence");
  const fs::path case_dir = fs::path(base) / "case-0001";
  auto first = writeEvidenceBundle(base, "case-0001", "preserve_evidence", *got, kT0, false);
  ASSERT_TRUE(first.has_value()) << first.error().toString();
  writeAll(fs::path(first->dir) / "events.jsonl", "tampered\n");
  // What a crash during an earlier write left behind.
  fs::create_directories(case_dir / ".preserve_evidence.tmp-1-2-3");
  writeAll(case_dir / ".preserve_evidence.tmp-1-2-3" / "events.jsonl", "partial");

  std::vector<EvidenceEvent> fewer(got->begin(), got->begin() + 2);
  auto second = writeEvidenceBundle(base, "case-0001", "preserve_evidence", fewer, kT0 + kSec, true);
  ASSERT_TRUE(second.has_value()) << second.error().toString();
  EXPECT_EQ(second->dir, first->dir);
  EXPECT_EQ(second->events, 2u);
  EXPECT_TRUE(second->capped);
  auto ok = verifyEvidenceBundle(second->dir);
  EXPECT_TRUE(ok.has_value()) << ok.error().toString();
  auto manifest = nlohmann::json::parse(readAll(fs::path(second->dir) / "manifest.json"));
  EXPECT_EQ(manifest["count"], 2);
  EXPECT_EQ(manifest["capped"], true);
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(case_dir)) entries.push_back(e.path().filename().string());
  EXPECT_EQ(entries, std::vector<std::string>{"preserve_evidence"});  // no temporary or old directory left

  // Another step of the same case sits beside it; an empty bundle is a valid one.
  auto empty = writeEvidenceBundle(base, "case-0001", "preserve_again", {}, kT0, false);
  ASSERT_TRUE(empty.has_value()) << empty.error().toString();
  EXPECT_TRUE(verifyEvidenceBundle(empty->dir).has_value());
  EXPECT_TRUE(verifyEvidenceBundle(second->dir).has_value());
}

TEST_F(EvidenceBundleTest, UnsafeIdsAreRefused) {
  const std::string base = dir_.file("evidence");
  const std::vector<std::string> unsafe = {"../x", "..", ".", "", "a/b", ".hidden", "x..y", "ケース"};
  for (const auto& bad : unsafe) {
    auto m = writeEvidenceBundle(base, bad, "step", {}, kT0, false);
    ASSERT_FALSE(m.has_value()) << bad;
    EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(writeEvidenceBundle(base, "case", bad, {}, kT0, false).has_value()) << bad;
  }
  EXPECT_FALSE(fs::exists(dir_.path() / "x"));
  EXPECT_FALSE(fs::exists(base));
  EXPECT_TRUE(safePathComponent("case-2026.12_09"));
}

TEST_F(EvidenceBundleTest, AMissingBundleFailsVerification) {
  auto st = verifyEvidenceBundle(dir_.file("nothing-here"));
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace hinomi::playbooks
