// Durability under kill -9: a child process publishes without pause and prints every delivery
// report; the parent kills it mid-stream, reopens the log and finds every reported record at its
// reported position. FsyncPolicy::kNever, the weakest policy, since kill -9 must lose nothing
// reported even without fsync (only a power loss may).
//
// The child is this test binary run again with a filter selecting the DISABLED_ child test, so it
// starts from a fresh exec instead of a fork of a process that may have threads.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "common/bus/embedded_bus.h"
#include "tests/testing/child_process.h"
#include "tests/testing/kill_child.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::bus {
namespace {

using std::chrono::milliseconds;

constexpr const char* kDirFlag = "hinomi_kill_dir";
constexpr const char* kTopic = "t.kill";

// The child's data directory, from its command line; empty in a normal test run.
std::string killDirFromCommandLine() { return hinomi::testing::flagFromCommandLine(kDirFlag); }

EmbeddedBusOptions killOptions(const std::string& dir) {
  EmbeddedBusOptions o;
  o.path = dir;
  o.fsync = FsyncPolicy::kNever;
  return o;
}


TEST(EmbeddedBusKillChild, DISABLED_PublishUntilKilled) {
  const std::string dir = killDirFromCommandLine();
  if (dir.empty()) GTEST_SKIP() << "only run as the child of EmbeddedBusKillTest";
  std::fflush(stdout);  // gtest's buffered banner must not split a delivery line later
  auto bus = EmbeddedBus::open(killOptions(dir));
  if (!bus) {
    std::string e = bus.error().toString() + "\n";
    hinomi::testing::writeAll(2, e.data(), e.size());
    _exit(3);
  }
  if (!(*bus)->ensureTopic(kTopic, 4)) _exit(4);
  const std::string tag = "p" + std::to_string(getpid()) + "-";
  const std::string padding(120, 'x');
  for (int64_t i = 0;;) {
    std::string value = tag + std::to_string(i) + "-" + padding;
    auto st = (*bus)->publish(
        kTopic, "key-" + std::to_string(i % 101), value, [value](const Delivery& d) {
          if (d.outcome != DeliveryOutcome::kDelivered) return;
          char line[512];
          int n = std::snprintf(line, sizeof line, "delivered %d %lld %s\n", d.partition,
                                static_cast<long long>(d.offset), value.c_str());
          // One write(2) per line: the parent sees whole lines, and each
          // before the next report.
          hinomi::testing::writeAll(1, line, size_t(n));
        });
    if (st) {
      ++i;
    } else {
      std::this_thread::sleep_for(milliseconds(1));  // queue full: back-pressure
    }
  }
}

struct Reported {
  std::map<std::pair<int32_t, int64_t>, std::string> records;
  size_t lines = 0;
};

// Adds the child's delivery lines; fails the test if a position was reported twice with
// different values (an offset handed out again after a restart).
void collect(const std::string& out, Reported& reported) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("delivered ", 0) != 0) continue;
    std::istringstream fields(line.substr(10));
    int32_t partition = -1;
    int64_t offset = -1;
    std::string value;
    fields >> partition >> offset >> value;
    ASSERT_FALSE(value.empty()) << line;
    auto [it, inserted] = reported.records.emplace(std::make_pair(partition, offset), value);
    if (!inserted) {
      ASSERT_EQ(it->second, value) << "position reported twice: " << line;
    }
    ++reported.lines;
  }
}

TEST(EmbeddedBusKillTest, DeliveredRecordsSurviveSigkill) {
  hinomi::testing::TempDir dir;
  const std::string path = dir.file("bus");
  Reported reported;
  // Deliveries reported before each kill; the runs share the directory, so each restart also
  // recovers from the previous kill.
  for (size_t kill_after : {2000u, 7000u, 25000u}) {
    SCOPED_TRACE("kill after " + std::to_string(kill_after) + " deliveries");
    {
      hinomi::testing::ChildProcess child(
          hinomi::testing::childTestArgv("EmbeddedBusKillChild.DISABLED_PublishUntilKilled", kDirFlag, path));
      for (size_t seen = 0; seen < kill_after; ++seen) {
        auto line = child.waitForLine("delivered ", milliseconds(60000));
        ASSERT_TRUE(line.has_value()) << "the child stopped reporting:\n" << child.stderrText();
      }
      child.signal(SIGKILL);
      auto code = child.wait(milliseconds(30000));
      ASSERT_TRUE(code.has_value());
      ASSERT_EQ(*code, 128 + SIGKILL) << child.stderrText();
      collect(child.stdoutText(), reported);
    }
    ASSERT_GE(reported.records.size(), kill_after);

    auto bus = EmbeddedBus::open(killOptions(path));
    ASSERT_TRUE(bus.has_value()) << bus.error().toString();
    auto consumer = (*bus)->subscribe(kTopic, "verify-" + std::to_string(kill_after));
    ASSERT_TRUE(consumer.has_value());
    std::map<std::pair<int32_t, int64_t>, std::string> stored;
    for (;;) {
      auto batch = (*consumer)->poll(10000, milliseconds(200));
      ASSERT_TRUE(batch.has_value()) << batch.error().toString();
      if (batch->empty()) break;
      for (auto& r : *batch) stored[{r.partition, r.offset}] = r.value;
    }
    // A loss could only ever be a suffix: each partition is still 0..n-1 without a hole.
    std::map<int32_t, int64_t> count;
    for (auto& [pos, v] : stored) {
      EXPECT_EQ(pos.second, count[pos.first]) << "hole in partition " << pos.first;
      count[pos.first] = pos.second + 1;
    }
    size_t missing = 0, different = 0;
    for (auto& [pos, value] : reported.records) {
      auto it = stored.find(pos);
      if (it == stored.end())
        ++missing;
      else if (it->second != value)
        ++different;
    }
    EXPECT_EQ(missing, 0u) << "of " << reported.records.size() << " reported deliveries";
    EXPECT_EQ(different, 0u) << "of " << reported.records.size() << " reported deliveries";
  }
}

}  // namespace
}  // namespace hinomi::bus
