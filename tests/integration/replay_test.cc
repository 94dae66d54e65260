// `hinomi replay` as users run it: a log in, one incident per matching rule per event out.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "common/event.h"
#include "common/time.h"
#include "correlator/incident.h"
#include "tests/testing/child_process.h"
#include "tests/testing/json_lines.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::runProgram;
using testing::TempDir;
using testing::readFile;

const std::string kSource = HINOMI_SOURCE_DIR;
const std::string kOpenSsh = kSource + "/tests/data/loghub/OpenSSH_2k.log";
const std::string kFailedPassword = "0b7d1f3e-4c2a-4e8b-9d61-5a3f8e2c1d01";
const std::string kNow = "2026-01-15T00:00:00Z";

std::string writeConfig(const TempDir& dir) {
  return dir.write("hinomi.yaml", "correlator:\n  decoders: [" + kSource + "/config/decoders]\n  rules: [" + kSource +
                                      "/config/rules]\n");
}


size_t countLinesContaining(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) n += line.find(needle) != std::string::npos;
  return n;
}

TEST(ReplayTest, FailedPasswordFiresOncePerFailedPasswordLine) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  auto r = runProgram({HINOMI_BINARY, "replay", "-c", cfg, "--now", kNow, kOpenSsh});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto inc = testing::incidentLines(r.out);
  size_t failed = 0;
  std::set<std::string> ids;
  for (const auto& i : inc) {
    ids.insert(i.id);
    if (i.rule_id != kFailedPassword) continue;
    ++failed;
    EXPECT_EQ(i.title, "SSH Password Authentication Failed");
    EXPECT_EQ(i.level, "low");
    EXPECT_EQ(i.tenant, "default");
    EXPECT_EQ(i.event_count, 1u);
    EXPECT_EQ(i.event_ids.size(), 1u);
    EXPECT_TRUE(i.fields.contains("source.ip")) << i.fields.dump();
    EXPECT_EQ(i.first_ts_us, i.last_ts_us);
  }
  size_t expected = countLinesContaining(readFile(kOpenSsh), "Failed password for");
  EXPECT_EQ(expected, 520u);  // grep -c 'Failed password' tests/data/loghub/OpenSSH_2k.log
  EXPECT_EQ(failed, expected);
  // Every incident its own id, but for the final counts of suppressed correlation incidents.
  size_t finals = 0;
  std::set<std::string> seen;
  for (const auto& i : inc) finals += !seen.insert(i.id).second;
  EXPECT_EQ(ids.size() + finals, inc.size());
  EXPECT_GT(finals, 0u);
  // Event time, not the clock: the log is from December 10 (year inferred from --now), local
  // time Japan (+9 h, the parser's default offset).
  ASSERT_FALSE(inc.empty());
  EXPECT_EQ(formatRfc3339(inc[0].first_ts_us).substr(0, 13), "2025-12-09T21");
  EXPECT_NE(r.err.find("replay: 2000 lines read"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(kFailedPassword), std::string::npos) << r.err;
}

TEST(ReplayTest, TwoRunsGiveByteIdenticalOutput) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  auto log = dir.write("auth.log", readFile(kOpenSsh));
  auto a = runProgram({HINOMI_BINARY, "replay", "-c", cfg, log});
  auto b = runProgram({HINOMI_BINARY, "replay", "-c", cfg, log});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_FALSE(a.out.empty());
  EXPECT_EQ(a.out, b.out);
}

TEST(ReplayTest, DashReadsStdinAndGzipIsReadToo) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  std::string text = readFile(kOpenSsh);
  auto plain = runProgram({HINOMI_BINARY, "replay", "-c", cfg, "--now", kNow, kOpenSsh});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;

  // .gz: the same incidents; event ids derive from the input name, so only those differ.
  std::string gz_path = dir.file("auth.log.gz");
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, text.data(), unsigned(text.size())), int(text.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
  auto zipped = runProgram({HINOMI_BINARY, "replay", "-c", cfg, "--now", kNow, gz_path});
  ASSERT_EQ(zipped.exit_code, 0) << zipped.err;
  auto pi = testing::incidentLines(plain.out), zi = testing::incidentLines(zipped.out);
  ASSERT_EQ(pi.size(), zi.size());
  for (size_t i = 0; i < pi.size(); ++i) {
    EXPECT_EQ(pi[i].rule_id, zi[i].rule_id);
    EXPECT_EQ(pi[i].first_ts_us, zi[i].first_ts_us);
    EXPECT_EQ(pi[i].fields, zi[i].fields);
  }

  std::string input = kOpenSsh;
  std::string c = cfg;
  testing::ChildProcess child([&]() -> int {
    int fd = open(input.c_str(), O_RDONLY);
    if (fd < 0 || dup2(fd, 0) < 0) return 126;
    std::vector<const char*> argv = {HINOMI_BINARY, "replay", "-c", c.c_str(), "--now", kNow.c_str(), "-", nullptr};
    execv(argv[0], const_cast<char* const*>(argv.data()));
    return 127;
  });
  ASSERT_EQ(child.wait(std::chrono::seconds(60)), 0) << child.stderrText();
  auto si = testing::incidentLines(child.stdoutText());
  ASSERT_EQ(si.size(), pi.size());
  for (size_t i = 0; i < pi.size(); ++i) EXPECT_EQ(pi[i].fields, si[i].fields);
}

TEST(ReplayTest, EventsOutWritesEveryEventAndLinesWithoutTimeTakeThePrevious) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  auto log = dir.write("auth.log",
                       "Dec 10 07:13:43 LabSZ sshd[24227]: Failed password for root from 5.36.59.76 port 42393 ssh2\n"
                       "no timestamp here\n"
                       "Dec 10 07:13:45 LabSZ sshd[24227]: Failed password for root from 5.36.59.76 port 42394 ssh2");
  auto events_path = dir.file("events.jsonl");
  auto r = runProgram({HINOMI_BINARY, "replay", "-c", cfg, "--now", kNow, "--events-out", events_path, log});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<Event> ev;
  std::istringstream in(readFile(events_path));
  std::string line;
  while (std::getline(in, line)) {
    auto e = eventFromJson(line);
    ASSERT_TRUE(e.has_value()) << line;
    ev.push_back(*e);
  }
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].decoder, "syslog,sshd");
  EXPECT_EQ(ev[0].listener, "replay");
  EXPECT_EQ(ev[1].ts_us, ev[0].ts_us);
  EXPECT_EQ(ev[2].ts_us, ev[0].ts_us + 2000000);
  EXPECT_EQ(ev[0].id, correlator::stableUuid(std::string("replay\0", 7) + log + std::string("\0", 1) + "1"));
  auto inc = testing::incidentLines(r.out);
  ASSERT_EQ(inc.size(), 2u) << r.out;
  EXPECT_EQ(inc[0].event_ids[0], ev[0].id);
  EXPECT_EQ(inc[1].event_ids[0], ev[2].id);
  EXPECT_EQ(inc[1].first_ts_us, ev[2].ts_us);
}

TEST(ReplayTest, UnreadableInputExitsOne) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  auto r = runProgram({HINOMI_BINARY, "replay", "-c", cfg, dir.file("missing.log")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("missing.log: cannot read: No such file or directory"), std::string::npos) << r.err;
}

TEST(ReplayTest, RefusedRulesAreReportedAndTheOthersReplay) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  std::filesystem::create_directory(dir.path() / "bad");
  auto bad = dir.write("bad/x.yml", "title: x\nid: 1\nlogsource: {product: linux}\ndetection:\n  sel: {a|nosuch: b}\n"
                                    "  condition: sel\nlevel: low\n");
  auto r = runProgram({HINOMI_BINARY, "replay", "-c", cfg, "--rules", (dir.path() / "bad").string(), kOpenSsh});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(bad + ":5:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 refused, replaying with the"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("\"rule_id\":"), std::string::npos);  // the config's rules still raise incidents

  auto strict = runProgram({HINOMI_BINARY, "replay", "--strict", "-c", cfg, "--rules", (dir.path() / "bad").string(), kOpenSsh});
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_EQ(strict.out, "");
  EXPECT_NE(strict.err.find(bad + ":5:"), std::string::npos) << strict.err;
  EXPECT_NE(strict.err.find(": error: "), std::string::npos) << strict.err;
}

}  // namespace
}  // namespace hinomi
