// DiskSpool on its own: sequence numbers, recovery, the size bound, and kill -9.
#include "collector/spool/disk_spool.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "collector/spool/spool_drainer.h"
#include "collector/spool/spool_metrics.h"
#include "common/bus/embedded_bus.h"
#include "common/metrics.h"
#include "tests/testing/child_process.h"
#include "tests/testing/kill_child.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::collector {
namespace {

using std::chrono::milliseconds;

SpoolOptions options(const std::string& path, const std::string& name,
                     int64_t max_bytes = int64_t(1) << 30) {
  SpoolOptions o;
  o.name = name;
  o.path = path;
  o.max_bytes = max_bytes;
  o.fsync = bus::FsyncPolicy::kNever;
  return o;
}

std::unique_ptr<DiskSpool> openSpool(const SpoolOptions& o) {
  auto spool = DiskSpool::open(o);
  EXPECT_TRUE(spool.has_value()) << spool.error().toString();
  return spool ? std::move(*spool) : nullptr;
}

TEST(DiskSpoolTest, AppendsInSequenceAndRecoversOnReopen) {
  hinomi::testing::TempDir dir;
  const auto o = options(dir.file("spool"), "t_recover");
  int64_t bytes = 0;
  {
    auto spool = openSpool(o);
    ASSERT_TRUE(spool);
    for (uint64_t i = 1; i <= 10; ++i) {
      auto seq = spool->append("t.a", "k" + std::to_string(i % 3), "v" + std::to_string(i));
      ASSERT_TRUE(seq.has_value()) << seq.error().toString();
      EXPECT_EQ(*seq, i);
    }
    EXPECT_EQ(spool->count(), 10);
    bytes = spool->bytes();
    EXPECT_GT(bytes, 0);
  }
  auto spool = openSpool(o);
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->count(), 10);
  EXPECT_EQ(spool->bytes(), bytes);
  auto entries = spool->read(0, 100);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ((*entries)[i].seq, i + 1);
    EXPECT_EQ((*entries)[i].topic, "t.a");
    EXPECT_EQ((*entries)[i].value, "v" + std::to_string(i + 1));
  }
  auto from5 = spool->read(5, 2);
  ASSERT_TRUE(from5.has_value());
  ASSERT_EQ(from5->size(), 2u);
  EXPECT_EQ((*from5)[0].seq, 5u);
  // Binary-safe: empty and NUL-carrying fields round-trip.
  const std::string odd("a\0b", 3);
  auto seq = spool->append("", odd, "");
  ASSERT_TRUE(seq.has_value());
  EXPECT_EQ(*seq, 11u);
  auto last = spool->read(11, 1);
  ASSERT_TRUE(last.has_value());
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].key, odd);
  EXPECT_EQ((*last)[0].value, "");
}

TEST(DiskSpoolTest, SequenceNumbersAreNotReusedAfterReleaseAndReopen) {
  hinomi::testing::TempDir dir;
  const auto o = options(dir.file("spool"), "t_reuse");
  {
    auto spool = openSpool(o);
    ASSERT_TRUE(spool);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(spool->append("t", "k", "v").has_value());
    auto all = spool->read(0, 10);
    ASSERT_TRUE(all.has_value());
    ASSERT_TRUE(spool->release(*all, {}).has_value());
    EXPECT_EQ(spool->count(), 0);
    EXPECT_EQ(spool->bytes(), 0);
  }
  auto spool = openSpool(o);
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->count(), 0);
  auto seq = spool->append("t", "k", "v");
  ASSERT_TRUE(seq.has_value());
  EXPECT_EQ(*seq, 6u);
}

TEST(DiskSpoolTest, FullSpoolRefusesWithUnavailableAndAcceptsAgainAfterDrain) {
  hinomi::testing::TempDir dir;
  const std::string value(300, 'x');
  const int64_t one = DiskSpool::entryBytes("t.full", "k", value);
  auto spool = openSpool(options(dir.file("spool"), "t_full", one * 10));
  ASSERT_TRUE(spool);
  auto& m = SpoolMetrics::forSpool("t_full");
  const double full_before = m.full->Value();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(spool->append("t.full", "k", value).has_value());
  auto refused = spool->append("t.full", "k", value);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().message, "spool full");
  EXPECT_EQ(m.full->Value(), full_before + 1);
  EXPECT_EQ(spool->count(), 10);
  EXPECT_EQ(m.entries->Value(), 10);
  EXPECT_EQ(m.size_bytes->Value(), double(one * 10));
  EXPECT_FALSE(spool->waitForSpace(one, milliseconds(1)));

  // A drainer into the embedded bus makes room; waitForSpace wakes for it.
  bus::EmbeddedBusOptions bo;
  bo.path = dir.file("bus");
  bo.fsync = bus::FsyncPolicy::kNever;
  auto bus = bus::EmbeddedBus::open(bo);
  ASSERT_TRUE(bus.has_value()) << bus.error().toString();
  SpoolDrainer drainer(*spool, **bus);
  drainer.start();
  EXPECT_TRUE(spool->waitForSpace(one, milliseconds(15000)));
  auto again = spool->append("t.full", "k", value);
  EXPECT_TRUE(again.has_value()) << again.error().toString();
}

TEST(DiskSpoolTest, SpoolMetricsFollowTheNamingConvention) {
  SpoolMetrics::forSpool("t_names");
  int seen = 0;
  for (const auto& f : metrics::registry().Collect()) {
    if (f.name.rfind("hinomi_spool_", 0) != 0) continue;
    ++seen;
    EXPECT_EQ(metrics::checkName(f.name, f.type), "") << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
  }
  EXPECT_EQ(seen, 7);
}

// --- kill -9 -------------------------------------------------------------------------------
// A child process appends without pause (and drains into an embedded bus at the same time),
// printing every sequence number append() acknowledged; the parent kills it mid-stream and finds
// every acknowledged entry either still in the spool or on the bus. FsyncPolicy::kNever, the
// weakest: kill -9 must lose nothing acknowledged even without fsync.
//
// The child is this binary run again with a filter selecting the DISABLED_ child test, so it
// starts from a fresh exec rather than a fork of a process that may have threads.

constexpr const char* kDirFlag = "hinomi_spool_kill_dir";
constexpr const char* kKillTopic = "t.spool.kill";

std::string killDirFromCommandLine() { return hinomi::testing::flagFromCommandLine(kDirFlag); }

bus::EmbeddedBusOptions killBusOptions(const std::string& dir) {
  bus::EmbeddedBusOptions o;
  o.path = dir + "/bus";
  o.fsync = bus::FsyncPolicy::kNever;
  return o;
}


TEST(DiskSpoolKillChild, DISABLED_AppendUntilKilled) {
  const std::string dir = killDirFromCommandLine();
  if (dir.empty()) GTEST_SKIP() << "only run as the child of DiskSpoolKillTest";
  std::fflush(stdout);
  auto spool = DiskSpool::open(options(dir + "/spool", "t_kill"));
  auto bus = bus::EmbeddedBus::open(killBusOptions(dir));
  if (!spool || !bus) _exit(3);
  if (!(*bus)->ensureTopic(kKillTopic, 2)) _exit(4);
  SpoolDrainer drainer(**spool, **bus);
  drainer.start();
  const std::string tag = "p" + std::to_string(getpid()) + "-";
  const std::string padding(200, 'x');
  for (int64_t i = 0;; ++i) {
    std::string value = tag + std::to_string(i) + "-" + padding;
    auto seq = (*spool)->append(kKillTopic, "key-" + std::to_string(i % 17), value);
    if (!seq) {
      (void)(*spool)->waitForSpace(1000, milliseconds(100));
      continue;
    }
    char line[512];
    int n = std::snprintf(line, sizeof line, "acked %llu %s\n",
                          static_cast<unsigned long long>(*seq), value.c_str());
    hinomi::testing::writeAll(1, line, size_t(n));  // one write(2) per line: the parent sees whole lines
  }
}

TEST(DiskSpoolKillTest, AcknowledgedEntriesSurviveSigkill) {
  hinomi::testing::TempDir dir;
  std::map<uint64_t, std::string> acked;  // seq -> value, over all runs
  for (size_t kill_after : {3000u, 20000u}) {
    SCOPED_TRACE("kill after " + std::to_string(kill_after) + " acks");
    {
      hinomi::testing::ChildProcess child(
          hinomi::testing::childTestArgv("DiskSpoolKillChild.DISABLED_AppendUntilKilled", kDirFlag, dir.path().string()));
      for (size_t seen = 0; seen < kill_after; ++seen) {
        auto line = child.waitForLine("acked ", milliseconds(30000));
        ASSERT_TRUE(line.has_value()) << "the child stopped acknowledging:\n"
                                      << child.stderrText();
      }
      child.signal(SIGKILL);
      auto code = child.wait(milliseconds(30000));
      ASSERT_TRUE(code.has_value());
      ASSERT_EQ(*code, 128 + SIGKILL) << child.stderrText();
      std::istringstream in(child.stdoutText());
      std::string line;
      while (std::getline(in, line)) {
        if (line.rfind("acked ", 0) != 0) continue;
        std::istringstream fields(line.substr(6));
        unsigned long long seq = 0;
        std::string value;
        fields >> seq >> value;
        if (value.empty()) continue;  // a line cut by the kill
        auto [it, inserted] = acked.emplace(seq, value);
        ASSERT_TRUE(inserted) << "sequence number acknowledged twice: " << line;
      }
    }
    ASSERT_GE(acked.size(), kill_after);

    std::set<std::string> found;
    {
      auto spool = DiskSpool::open(options(dir.file("spool"), "t_kill"));
      ASSERT_TRUE(spool.has_value()) << spool.error().toString();
      auto entries = (*spool)->read(0, size_t(1) << 30);
      ASSERT_TRUE(entries.has_value());
      EXPECT_EQ(int64_t(entries->size()), (*spool)->count());
      for (auto& e : *entries) {
        auto it = acked.find(e.seq);
        if (it != acked.end()) {
          EXPECT_EQ(it->second, e.value) << "seq " << e.seq;
        }
        found.insert(e.value);
      }
    }
    auto bus = bus::EmbeddedBus::open(killBusOptions(dir.path().string()));
    ASSERT_TRUE(bus.has_value()) << bus.error().toString();
    auto consumer = (*bus)->subscribe(kKillTopic, "verify-" + std::to_string(kill_after));
    ASSERT_TRUE(consumer.has_value());
    for (;;) {
      auto batch = (*consumer)->poll(10000, milliseconds(200));
      ASSERT_TRUE(batch.has_value()) << batch.error().toString();
      if (batch->empty()) break;
      for (auto& r : *batch) found.insert(r.value);
    }
    size_t missing = 0;
    for (auto& [seq, value] : acked)
      if (!found.count(value)) ++missing;
    EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged appends";
  }
}

}  // namespace
}  // namespace hinomi::collector
