// Exactly-once correlation under kill -9: a child process runs the detector (shipped sshd
// decoder, sshd_failed_password and the sshd_bruteforce correlation) with its windows in RocksDB
// over events already on an embedded bus; the parent kills it at many points of the stream and
// restarts it until every event is committed. The incidents on the bus, duplicates removed by
// id and content (what consumers do), equal those of a run never interrupted; no incident's
// count is off, which a window that lost or double-counted an event would show. The detector holds
// at most 100 of the 400 sources' groups in memory, so kills also land between evictions.
//
// Both ways the correlator runs: inline (decode, match and windows in one loop on the events topic)
// and split (a match stage publishing to a 3-partition matches topic and a windows stage counting
// them, in one child as `hinomi run` has them), where a kill also leaves matches published twice
// and ticks of the clock in between.
//
// The child is this test binary run again with a filter selecting the DISABLED_ child test.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "common/bus/embedded_bus.h"
#include "common/logging.h"
#include "correlator/detection_loader.h"
#include "correlator/detector.h"
#include "tests/testing/child_process.h"
#include "tests/testing/kill_child.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::correlator {
namespace {

using namespace std::chrono_literals;

constexpr const char* kDirFlag = "hinomi_detector_kill_dir";
constexpr const char* kEvents = "hinomi.events";
constexpr const char* kMatches = "hinomi.matches";
constexpr const char* kIncidents = "hinomi.incidents";
constexpr const char* kGroup = "kill-test";
constexpr int64_t kEventCount = 30000;
const std::string kSource = HINOMI_SOURCE_DIR;

bus::EmbeddedBusOptions busOptions(const std::string& dir) {
  bus::EmbeddedBusOptions o;
  o.path = dir + "/bus";
  o.fsync = bus::FsyncPolicy::kNever;  // kill -9 must lose nothing even so
  return o;
}

TEST(DetectorKillChild, DISABLED_DetectUntilKilled) {
  const std::string dir = hinomi::testing::flagFromCommandLine(kDirFlag);
  if (dir.empty()) GTEST_SKIP() << "only run as the child of DetectorKillTest";
  std::fflush(stdout);
  auto bus = bus::EmbeddedBus::open(busOptions(dir));
  if (!bus) _exit(3);
  config::CorrelatorOptions copts;
  copts.decoders = {kSource + "/config/decoders"};
  copts.rules = {kSource + "/config/rules"};
  auto detection = loadDetection(copts, *logging::get("correlator"));
  if (!detection) _exit(4);
  const bool split = std::filesystem::exists(dir + "/split");
  DetectorOptions options;
  options.group = kGroup;
  options.matches_topic = kMatches;
  options.batch_size = 37;  // many commit points
  options.poll_timeout = 20ms;
  options.correlation.allowed_lateness_us = 2'000'000;
  options.correlation.max_groups_in_memory = 100;  // of 400 sources: groups evicted and read back between kills
  DetectorOptions windows_options = options;
  options.role = split ? DetectorRole::kMatch : DetectorRole::kInline;
  if (!split) options.state_path = dir + "/state";
  windows_options.role = DetectorRole::kWindows;
  windows_options.group = std::string(kGroup) + "-windows";
  windows_options.batch_size = 23;
  windows_options.state_path = dir + "/state";
  auto fail = [](const Error& e) {
    std::string text = e.toString() + "\n";
    hinomi::testing::writeAll(2, text.data(), text.size());
    _exit(5);
  };
  Result<std::unique_ptr<Detector>> windows = std::unique_ptr<Detector>();
  if (split) windows = Detector::start(**bus, windows_options, detection->set);
  if (!windows) fail(windows.error());
  auto detector = Detector::start(**bus, options, detection->set);
  if (!detector) fail(detector.error());
  hinomi::testing::writeAll(1, "started\n", 8);
  for (uint64_t reported = 0;;) {
    // Both stages' commits: the test waits for quiet in both.
    uint64_t now = (*detector)->committedEvents() + (*windows ? (*windows)->committedEvents() : 0);
    if (now != reported) {
      reported = now;
      std::string line = "committed " + std::to_string(now) + "\n";
      hinomi::testing::writeAll(1, line.data(), line.size());
    }
    std::this_thread::sleep_for(2ms);
  }
}

// Failed root passwords from 400 sources in bursts, one second apart in event time, two tenants.
void publishEvents(const std::string& dir) {
  auto bus = bus::EmbeddedBus::open(busOptions(dir));
  ASSERT_TRUE(bus.has_value()) << bus.error().toString();
  ASSERT_TRUE((*bus)->ensureTopic(kEvents, 1).has_value());  // one partition: one order for both runs
  ASSERT_TRUE((*bus)->ensureTopic(kMatches, 3).has_value());
  ASSERT_TRUE((*bus)->ensureTopic(kIncidents, 2).has_value());
  std::mt19937 rng(11);
  int64_t ts = 1795435200LL * 1000000;
  int source = 0;
  for (int64_t i = 0; i < kEventCount; ++i) {
    if (rng() % 6 == 0) source = int(rng() % 400);
    ts += int64_t(rng() % 3) * 1000000;
    Event e;
    e.id = "ev-" + std::to_string(i);
    e.ts_us = ts;
    e.ingest_ts_us = ts;
    e.tenant = source % 3 == 0 ? "kasama" : "katsuragi";
    e.host = "bastion";
    e.app = "sshd";
    e.message = "Failed password for root from 198.51." + std::to_string(100 + source / 200) + "." +
                std::to_string(source % 200) + " port " +
                std::to_string(40000 + i) + " ssh2";
    e.raw = "<38>" + e.message;
    ASSERT_TRUE((*bus)->publish(kEvents, e.tenant, toJson(e), nullptr).has_value());
  }
  ASSERT_TRUE((*bus)->flush(30s).has_value());
}

struct BusState {
  int64_t committed = -1;               // the detector group's next offset
  bool matches_counted = true;          // split: the windows group read every match
  std::set<std::string> incidents;      // distinct incident records
  size_t records = 0;                   // incident records, duplicates included
};

BusState readBus(const std::string& dir) {
  BusState s;
  auto bus = bus::EmbeddedBus::open(busOptions(dir));
  EXPECT_TRUE(bus.has_value()) << bus.error().toString();
  if (!bus) return s;
  {
    auto c = (*bus)->subscribe(kEvents, kGroup);
    EXPECT_TRUE(c.has_value());
    if (c) {
      auto committed = (*c)->committed(0);
      if (committed && *committed) s.committed = **committed;
      (*c)->close();
    }
  }
  {
    // Split: the windows group's committed offset is the end of each matches partition.
    std::map<int32_t, int64_t> ends;
    auto all = (*bus)->subscribe(kMatches, "verify-matches");
    EXPECT_TRUE(all.has_value());
    for (;;) {
      auto batch = (*all)->poll(10000, 100ms);
      if (!batch || batch->empty()) break;
      for (auto& r : *batch) ends[r.partition] = std::max(ends[r.partition], r.offset + 1);
    }
    (*all)->close();
    auto windows = (*bus)->subscribe(kMatches, std::string(kGroup) + "-windows");
    EXPECT_TRUE(windows.has_value());
    for (const auto& [p, end] : ends) {
      auto committed = (*windows)->committed(p);
      if (!committed || !*committed || **committed != end) s.matches_counted = false;
    }
    (*windows)->close();
  }
  auto c = (*bus)->subscribe(kIncidents, "verify");
  EXPECT_TRUE(c.has_value());
  for (;;) {
    auto batch = (*c)->poll(10000, 200ms);
    EXPECT_TRUE(batch.has_value());
    if (!batch || batch->empty()) break;
    for (auto& r : *batch) {
      s.incidents.insert(r.value);
      ++s.records;
    }
  }
  (*c)->close();
  return s;
}

// Runs the child; kills it after `commits` reported commits and `extra` more time (commits == 0:
// once no commit came for a second). Counting commits puts the kills mid-stream on any machine.
void runChild(const std::string& dir, int commits, std::chrono::milliseconds extra = 0ms) {
  hinomi::testing::ChildProcess child(
      hinomi::testing::childTestArgv("DetectorKillChild.DISABLED_DetectUntilKilled", kDirFlag, dir));
  ASSERT_TRUE(child.waitForLine("started", 60s).has_value()) << child.stderrText();
  if (commits > 0) {
    for (int i = 0; i < commits; ++i)
      if (!child.waitForLine("committed ", 2s)) break;  // the stream's end came first
    std::this_thread::sleep_for(extra);
  } else {
    while (child.waitForLine("committed ", 1000ms)) {
    }
  }
  child.signal(SIGKILL);
  auto code = child.wait(30s);
  ASSERT_TRUE(code.has_value());
  ASSERT_EQ(*code, 128 + SIGKILL) << child.stderrText();
}

// Runs until the group committed every event: at most a few settle rounds.
BusState settle(const std::string& dir) {
  BusState s;
  for (int round = 0; round < 5; ++round) {
    runChild(dir, 0);
    s = readBus(dir);
    if (s.committed == kEventCount && s.matches_counted) break;
  }
  EXPECT_EQ(s.committed, kEventCount);
  EXPECT_TRUE(s.matches_counted);
  return s;
}

// The oracle is always the inline detector run without a kill: the split stages, killed or not,
// must raise exactly its incidents.
class DetectorKillTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DetectorKillTest, IncidentsAfterKillsAtManyPointsEqualAnUninterruptedRun) {
  hinomi::testing::TempDir dir;
  const std::string calm = dir.file("calm"), killed = dir.file("killed");
  publishEvents(calm);
  publishEvents(killed);
  const bool split = GetParam() == "Split";
  if (split) std::ofstream(killed + "/split") << "split\n";

  const BusState expected = settle(calm);
  size_t bruteforce = 0;
  for (const auto& v : expected.incidents) bruteforce += v.find("5c1e7a2b-93d4-4f60-8b1a-2e7c4d9f0a31") != std::string::npos;
  ASSERT_GT(bruteforce, 20u) << "the stream raises brute-force incidents";
  EXPECT_EQ(expected.records, expected.incidents.size()) << "an uninterrupted run repeats nothing";

  // Kill points spread over the stream: early ones land during start and restore.
  std::mt19937 rng(5);
  int kills = 0;
  int64_t last = -1;
  for (; kills < 30; ++kills) {
    // Some right after start (restore), most mid-batch somewhere in the stream.
    if (kills % 5 == 4) runChild(killed, 1, std::chrono::milliseconds(rng() % 3));
    else runChild(killed, 1 + int(rng() % 60), std::chrono::milliseconds(rng() % 3));
    auto s = readBus(killed);
    ASSERT_GE(s.committed, last) << "committed offsets never go back";
    last = s.committed;
    if (s.committed == kEventCount) break;
  }
  const BusState got = settle(killed);
  RecordProperty("kills", kills);
  std::printf("kills=%d incidents=%zu records=%zu\n", kills, got.incidents.size(), got.records);
  EXPECT_GT(kills, 5) << "the stream outlasted several kills";
  // Differences by name, not a dump of 30,000 records.
  std::vector<std::string> missing, extra;
  std::set_difference(expected.incidents.begin(), expected.incidents.end(), got.incidents.begin(), got.incidents.end(),
                      std::back_inserter(missing));
  std::set_difference(got.incidents.begin(), got.incidents.end(), expected.incidents.begin(), expected.incidents.end(),
                      std::back_inserter(extra));
  EXPECT_TRUE(missing.empty()) << missing.size() << " missing, the first: " << missing.front();
  EXPECT_TRUE(extra.empty()) << extra.size() << " not in the uninterrupted run, the first: " << extra.front();
  EXPECT_GE(got.records, got.incidents.size());
}

INSTANTIATE_TEST_SUITE_P(Roles, DetectorKillTest, ::testing::Values("Inline", "Split"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hinomi::correlator
