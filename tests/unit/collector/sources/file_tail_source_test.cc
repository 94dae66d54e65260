#include "collector/sources/file_tail_source.h"

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/metrics.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::collector {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

struct Line {
  std::string bytes;
  std::string peer;
  int64_t received_us = 0;
  bool truncated = false;
};

struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Line> got;
  MessageSink sink() {
    return [this](const ReceivedMessage& m) {
      std::lock_guard<std::mutex> lock(mu);
      got.push_back({std::string(m.bytes), std::string(m.peer), m.received_us, m.truncated});
      cv.notify_all();
    };
  }
  bool waitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, 10s, [&] { return got.size() >= n; });
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> out;
    for (auto& l : got) out.push_back(l.bytes);
    return out;
  }
};

void append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

FileTailOptions options(const TempDir& dir, const std::string& name) {
  FileTailOptions o;
  o.name = name;
  o.path = dir.file("app.log");
  o.position_path = dir.file("tail/" + name + ".pos");
  o.poll_interval_ms = 10;
  o.save_interval_ms = 0;
  return o;
}

// A series' value; 0 before it exists. Tests compare before and after (series outlive a test).
double metricValue(const std::string& family, const std::map<std::string, std::string>& labels) {
  for (const auto& f : metrics::registry().Collect()) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      std::map<std::string, std::string> have;
      for (const auto& l : m.label) have[l.name] = l.value;
      if (have == labels) return f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return 0;
}

auto alwaysDurable() {
  return [] { return true; };
}

TEST(FileTailSourceTest, AppendedLinesArriveInOrderWithTheClockAndNoPeer) {
  TempDir dir;
  auto o = options(dir, "append");
  append(o.path, "first\nsecond\n");
  const double received = metricValue("hinomi_collector_received_total", {{"listener", "append"}});
  const double bytes = metricValue("hinomi_collector_received_bytes_total", {{"listener", "append"}});
  Recorder r;
  testing::FakeClock clock;
  FileTailSource src(o, r.sink(), alwaysDurable(), clock);
  ASSERT_TRUE(src.start());
  ASSERT_TRUE(r.waitFor(2));
  append(o.path, "third\n");
  ASSERT_TRUE(r.waitFor(3));
  src.stop();
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_EQ(r.got[0].peer, "");
  EXPECT_EQ(r.got[0].received_us, clock.nowMicros());
  EXPECT_FALSE(r.got[0].truncated);
  EXPECT_EQ(metricValue("hinomi_collector_received_total", {{"listener", "append"}}) - received, 3);
  EXPECT_EQ(metricValue("hinomi_collector_received_bytes_total", {{"listener", "append"}}) - bytes, 16);
  EXPECT_EQ(src.port(), 0);
}

TEST(FileTailSourceTest, PartialLineWaitsForItsNewline) {
  TempDir dir;
  auto o = options(dir, "partial");
  append(o.path, "hel");
  Recorder r;
  FileTailSource src(o, r.sink(), alwaysDurable());
  ASSERT_TRUE(src.start());
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(r.lines().empty());
  append(o.path, "lo\n");
  ASSERT_TRUE(r.waitFor(1));
  src.stop();
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"hello"}));
}

TEST(FileTailSourceTest, CrlfLinesLoseTheirCrAndBlankLinesAreSkipped) {
  TempDir dir;
  auto o = options(dir, "crlf");
  append(o.path, "one\r\n\r\n\ntwo\r");
  Recorder r;
  FileTailSource src(o, r.sink(), alwaysDurable());
  ASSERT_TRUE(src.start());
  ASSERT_TRUE(r.waitFor(1));
  append(o.path, "\nthree\n");  // the CR of "two" was read before its LF
  ASSERT_TRUE(r.waitFor(3));
  src.stop();
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"one", "two", "three"}));
}

TEST(FileTailSourceTest, RenameRotationFinishesTheOldFileThenReadsTheNewOne) {
  TempDir dir;
  auto o = options(dir, "rename");
  append(o.path, "old 1\n");
  const double rotations =
      metricValue("hinomi_collector_file_rotations_total", {{"listener", "rename"}, {"kind", "rename"}});
  Recorder r;
  FileTailSource src(o, r.sink(), alwaysDurable());
  ASSERT_TRUE(src.start());
  ASSERT_TRUE(r.waitFor(1));
  // logrotate `create`: rename, new file at the path; the writer appends to the old one (and
  // leaves a line without LF there) until it reopens.
  std::filesystem::rename(o.path, o.path + ".1");
  append(o.path + ".1", "old 2\nold tail");
  append(o.path, "new 1\n");
  ASSERT_TRUE(r.waitFor(4));
  append(o.path, "new 2\n");
  ASSERT_TRUE(r.waitFor(5));
  src.stop();
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"old 1", "old 2", "old tail", "new 1", "new 2"}));
  EXPECT_EQ(
      metricValue("hinomi_collector_file_rotations_total", {{"listener", "rename"}, {"kind", "rename"}}) - rotations,
      1);
}

TEST(FileTailSourceTest, TruncationStartsAgainAtZero) {
  TempDir dir;
  auto o = options(dir, "truncate");
  append(o.path, "before 1\nbefore 2\n");
  const double rotations =
      metricValue("hinomi_collector_file_rotations_total", {{"listener", "truncate"}, {"kind", "truncate"}});
  Recorder r;
  FileTailSource src(o, r.sink(), alwaysDurable());
  ASSERT_TRUE(src.start());
  ASSERT_TRUE(r.waitFor(2));
  std::filesystem::resize_file(o.path, 0);  // copytruncate
  append(o.path, "after\n");
  ASSERT_TRUE(r.waitFor(3));
  src.stop();
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"before 1", "before 2", "after"}));
  EXPECT_EQ(metricValue("hinomi_collector_file_rotations_total", {{"listener", "truncate"}, {"kind", "truncate"}}) -
                rotations,
            1);
}

TEST(FileTailSourceTest, MissingFileIsWaitedFor) {
  TempDir dir;
  auto o = options(dir, "missing");
  o.start_at_end = true;  // a file that appears later is new: read from its beginning all the same
  Recorder r;
  FileTailSource src(o, r.sink(), alwaysDurable());
  ASSERT_TRUE(src.start());
  std::this_thread::sleep_for(50ms);
  append(o.path, "created\n");
  ASSERT_TRUE(r.waitFor(1));
  src.stop();
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"created"}));
}

TEST(FileTailSourceTest, StartAtEndSkipsWhatIsThereAtFirstStart) {
  TempDir dir;
  auto o = options(dir, "at-end");
  o.start_at_end = true;
  append(o.path, "already there\n");
  Recorder r;
  FileTailSource src(o, r.sink(), alwaysDurable());
  ASSERT_TRUE(src.start());
  std::this_thread::sleep_for(50ms);
  append(o.path, "appended\n");
  ASSERT_TRUE(r.waitFor(1));
  src.stop();
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"appended"}));
}

TEST(FileTailSourceTest, RestartResumesWithoutLossOrDuplicates) {
  TempDir dir;
  auto o = options(dir, "restart");
  o.save_interval_ms = 60000;  // only stop() saves: the clean-stop guarantee on its own
  append(o.path, "1\n2\n3\npart");
  {
    Recorder r;
    FileTailSource src(o, r.sink(), alwaysDurable());
    ASSERT_TRUE(src.start());
    ASSERT_TRUE(r.waitFor(3));
    std::this_thread::sleep_for(50ms);
    src.stop();
    EXPECT_EQ(r.lines(), (std::vector<std::string>{"1", "2", "3"}));
  }
  EXPECT_TRUE(std::filesystem::exists(o.position_path));
  append(o.path, "ial\n4\n");  // the line in progress at the stop is completed while stopped
  Recorder r;
  FileTailSource src(o, r.sink(), alwaysDurable());
  ASSERT_TRUE(src.start());
  ASSERT_TRUE(r.waitFor(2));
  append(o.path, "5\n");
  ASSERT_TRUE(r.waitFor(3));
  std::this_thread::sleep_for(50ms);
  src.stop();
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"partial", "4", "5"}));
}

TEST(FileTailSourceTest, PositionAdvancesOnlyWhenSyncSaysDurable) {
  TempDir dir;
  auto o = options(dir, "not-durable");
  append(o.path, "1\n");
  {
    Recorder r;
    FileTailSource src(o, r.sink(), [] { return false; });
    ASSERT_TRUE(src.start());
    ASSERT_TRUE(r.waitFor(1));
    src.stop();
  }
  EXPECT_FALSE(std::filesystem::exists(o.position_path));
  append(o.path, "2\n");
  Recorder r;
  FileTailSource src(o, r.sink(), alwaysDurable());
  ASSERT_TRUE(src.start());
  ASSERT_TRUE(r.waitFor(2));  // "1" again: a duplicate, never a loss
  src.stop();
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"1", "2"}));
}

TEST(FileTailSourceTest, AnotherFileAtTheSameInodeIsReadFromTheStart) {
  TempDir dir;
  auto o = options(dir, "same-inode");
  append(o.path, "first file\n");
  {
    Recorder r;
    FileTailSource src(o, r.sink(), alwaysDurable());
    ASSERT_TRUE(src.start());
    ASSERT_TRUE(r.waitFor(1));
    src.stop();
  }
  // Rewritten in place while stopped: same inode, longer, other first bytes.
  std::ofstream(o.path, std::ios::binary | std::ios::trunc) << "second file, line 1\nline 2\n";
  Recorder r;
  FileTailSource src(o, r.sink(), alwaysDurable());
  ASSERT_TRUE(src.start());
  ASSERT_TRUE(r.waitFor(2));
  src.stop();
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"second file, line 1", "line 2"}));
}

TEST(FileTailSourceTest, RotatedWhileStoppedTheNewFileIsReadFromTheStart) {
  TempDir dir;
  auto o = options(dir, "rotated-while-down");
  append(o.path, "old\n");
  {
    Recorder r;
    FileTailSource src(o, r.sink(), alwaysDurable());
    ASSERT_TRUE(src.start());
    ASSERT_TRUE(r.waitFor(1));
    src.stop();
  }
  std::filesystem::rename(o.path, o.path + ".1");
  append(o.path, "new\n");
  Recorder r;
  FileTailSource src(o, r.sink(), alwaysDurable());
  ASSERT_TRUE(src.start());
  ASSERT_TRUE(r.waitFor(1));
  std::this_thread::sleep_for(50ms);
  src.stop();
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"new"}));
}

TEST(FileTailSourceTest, LongLinesAreDeliveredTruncatedAndTheRestSkipped) {
  TempDir dir;
  auto o = options(dir, "oversize");
  o.max_message_bytes = 16;
  append(o.path, std::string(10, 'a'));
  const double oversize =
      metricValue("hinomi_collector_dropped_total", {{"listener", "oversize"}, {"reason", "oversize"}});
  Recorder r;
  FileTailSource src(o, r.sink(), alwaysDurable());
  ASSERT_TRUE(src.start());
  std::this_thread::sleep_for(50ms);
  append(o.path, std::string(30, 'a') + "\n" + std::string(16, 'b') + "\r\n" + std::string(17, 'c') + "\nok\n");
  ASSERT_TRUE(r.waitFor(4));
  src.stop();
  ASSERT_EQ(r.got.size(), 4u);
  EXPECT_EQ(r.got[0].bytes, std::string(16, 'a'));
  EXPECT_TRUE(r.got[0].truncated);
  EXPECT_EQ(r.got[1].bytes, std::string(16, 'b'));  // exactly the limit, then CRLF: whole
  EXPECT_FALSE(r.got[1].truncated);
  EXPECT_EQ(r.got[2].bytes, std::string(16, 'c'));
  EXPECT_TRUE(r.got[2].truncated);
  EXPECT_EQ(r.got[3].bytes, "ok");
  EXPECT_EQ(
      metricValue("hinomi_collector_dropped_total", {{"listener", "oversize"}, {"reason", "oversize"}}) - oversize, 2);
}

TEST(FileTailSourceTest, AnUnreadablePositionFileFailsTheStart) {
  TempDir dir;
  auto o = options(dir, "bad-position");
  dir.write("tail/bad-position.pos", "not a position\n");
  Recorder r;
  FileTailSource src(o, r.sink(), alwaysDurable());
  auto st = src.start();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("bad-position"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace hinomi::collector
