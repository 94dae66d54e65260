// Correlation rules through `hinomi replay` on real logs: the shipped SSH brute-force rule
// (>= 5 refused passwords from one source within 60 s) over Loghub's OpenSSH_2k, checked against
// a sliding window computed here from the events replay wrote; and a chained correlation and a
// refused one loaded from a rules folder next to the shipped ones.
#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "tests/testing/child_process.h"
#include "tests/testing/json_lines.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::runProgram;
using testing::TempDir;

const std::string kSource = HINOMI_SOURCE_DIR;
const std::string kOpenSsh = kSource + "/tests/data/loghub/OpenSSH_2k.log";
const std::string kFailedPassword = "0b7d1f3e-4c2a-4e8b-9d61-5a3f8e2c1d01";
const std::string kBruteForce = "5c1e7a2b-93d4-4f60-8b1a-2e7c4d9f0a31";
const std::string kNow = "2026-01-15T00:00:00Z";

std::string writeConfig(const TempDir& dir) {
  return dir.write("hinomi.yaml", "correlator:\n  decoders: [" + kSource + "/config/decoders]\n  rules: [" + kSource +
                                      "/config/rules]\n");
}

TEST(CorrelationReplayTest, BruteForceSourcesAreTheOnesASlidingWindowFinds) {
  TempDir dir;
  auto events_file = dir.file("events.jsonl");
  auto r = runProgram({HINOMI_BINARY, "replay", "-c", writeConfig(dir), "--now", kNow, "--events-out", events_file, kOpenSsh});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto incidents = testing::incidentLines(r.out);

  // The reference: the incidents of the single-event rule give each failure's time and source.
  std::map<std::string, std::vector<int64_t>> failures;  // source → times, in input order
  for (const auto& i : incidents)
    if (i.rule_id == kFailedPassword) failures[i.fields.value("source.ip", "")].push_back(i.first_ts_us);
  std::set<std::string> expected;
  for (auto& [ip, times] : failures) {
    std::deque<int64_t> window;
    for (int64_t t : times) {
      window.push_back(t);
      while (window.front() <= t - 60'000'000) window.pop_front();
      if (window.size() >= 5) expected.insert(ip);
    }
  }
  ASSERT_FALSE(expected.empty()) << "the log has brute-force runs";

  std::set<std::string> alerted;
  std::map<std::string, uint64_t> final_count;  // incident id → highest event_count
  for (const auto& i : incidents) {
    if (i.rule_id != kBruteForce) continue;
    EXPECT_EQ(i.level, "high");
    ASSERT_TRUE(i.group.contains("source.ip")) << i.group.dump();
    std::string ip = i.group["source.ip"];
    alerted.insert(ip);
    EXPECT_GE(i.event_count, 5u);
    EXPECT_EQ(i.fields.value("source.ip", ""), ip);
    uint64_t& best = final_count[i.id];
    EXPECT_GT(i.event_count, best) << "a repeated id carries a higher count";
    best = i.event_count;
    // The first emission spans at most the window; a final count may run on to the window's end.
    EXPECT_LE(i.first_ts_us, i.last_ts_us);
  }
  EXPECT_EQ(alerted, expected);

  // The same input gives the same output, byte for byte.
  auto again = runProgram({HINOMI_BINARY, "replay", "-c", writeConfig(dir), "--now", kNow, kOpenSsh});
  EXPECT_EQ(again.out, r.out);
  EXPECT_NE(r.err.find(kBruteForce), std::string::npos) << r.err;  // in the per-rule summary
}

TEST(CorrelationReplayTest, ChainedAndRefusedCorrelationsFromAnotherFolder) {
  TempDir dir;
  // Silent by default (generate: false): the inner count only feeds the chain.
  dir.write("extra/chain.yml", R"(title: Failures then a success for one user
id: fail-then-success
correlation:
  type: temporal_ordered
  rules: [two_failures, ssh_accepted]
  group-by: [User]
  timespan: 10m
level: high
---
title: Two failures
name: two_failures
correlation:
  type: event_count
  rules: [ssh_failed_any]
  group-by: [User]
  timespan: 5m
  condition: {gte: 2}
---
title: Failed login
name: ssh_failed_any
logsource: {product: linux, service: sshd}
detection:
  sel: {Action: ssh_login, Outcome: failure}
  condition: sel
---
title: Accepted login
name: ssh_accepted
logsource: {product: linux, service: sshd}
detection:
  sel: {Action: ssh_login, Outcome: success}
  condition: sel
---
title: Broken
id: broken
correlation: {type: event_count, rules: [no_such_rule], timespan: 1m, condition: {gte: 2}}
)");
  std::string log;
  auto line = [&](const char* time, const char* what) {
    log += std::string("<38>Nov 23 ") + time + " web1 sshd[811]: " + what + "\n";
  };
  line("10:00:00", "Failed password for alice from 192.0.2.10 port 1000 ssh2");
  line("10:00:20", "Failed password for alice from 192.0.2.11 port 1001 ssh2");
  line("10:00:30", "Failed password for bob from 192.0.2.12 port 1002 ssh2");
  line("10:01:00", "Accepted password for bob from 192.0.2.12 port 1003 ssh2");    // one failure only
  line("10:02:00", "Accepted password for alice from 192.0.2.10 port 1004 ssh2");
  auto input = dir.write("auth.log", log);
  auto r = runProgram({HINOMI_BINARY, "replay", "-c", writeConfig(dir), "--rules", dir.file("extra"), "--now",
                       "2026-11-23T12:00:00Z", input});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(dir.file("extra/chain.yml") + ":33:1: error: correlation broken: rule 'no_such_rule' is not loaded"),
            std::string::npos) << r.err;
  std::vector<std::string> ids;
  for (const auto& i : testing::incidentLines(r.out)) ids.push_back(i.rule_id);
  // The inner correlation and its base rules raise nothing of their own; the chain fires once.
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "fail-then-success"), 1) << r.out;
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "two_failures"), 0) << r.out;
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "ssh_failed_any"), 0) << r.out;
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "ssh_accepted"), 0) << r.out;
  auto strict = runProgram({HINOMI_BINARY, "replay", "-c", writeConfig(dir), "--rules", dir.file("extra"), "--strict", input});
  EXPECT_EQ(strict.exit_code, 2);
}

// More open windows than correlator.max_groups_in_memory: replay moves them to a temporary store
// (under TMPDIR, removed at the end) and prints byte for byte what it prints with all in memory.
TEST(CorrelationReplayTest, WindowsBeyondTheMemoryBoundSpillAndTheOutputIsTheSame) {
  TempDir dir;
  // 6,000 refused passwords, ten a second, from 1,500 sources (hundreds of windows open at once),
  // with a burst of six from one source every 50 lines (brute-force incidents).
  std::string log_path = dir.file("sshd.log");
  {
    std::ofstream log(log_path);
    std::mt19937 rng(17);
    for (int i = 0; i < 6000; ++i) {
      int secs = i / 10;
      int source = i % 50 < 6 ? 2000 + i / 50 : int(rng() % 1500);
      char stamp[32];
      std::snprintf(stamp, sizeof stamp, "Dec 10 %02d:%02d:%02d", 6 + secs / 3600, secs / 60 % 60, secs % 60);
      log << stamp << " bastion sshd[" << 1000 + i << "]: Failed password for root from 203.0." << source / 250
          << "." << source % 250 << " port " << 40000 + i << " ssh2\n";
    }
  }
  auto config = [&](const std::string& name, int bound) {
    return dir.write(name, "correlator:\n  decoders: [" + kSource + "/config/decoders]\n  rules: [" + kSource +
                               "/config/rules]\n  max_groups_in_memory: " + std::to_string(bound) + "\n");
  };
  const std::string tmp = dir.file("tmp");
  std::filesystem::create_directories(tmp);
  auto all = runProgram({HINOMI_BINARY, "replay", "-c", config("all.yaml", 1000000), "--now", kNow, log_path});
  auto bounded = runProgram({"/usr/bin/env", "TMPDIR=" + tmp, HINOMI_BINARY, "replay", "-c", config("bounded.yaml", 100),
                             "--now", kNow, log_path});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  ASSERT_EQ(bounded.exit_code, 0) << bounded.err;
  EXPECT_EQ(all.err.find("correlation windows:"), std::string::npos) << all.err;
  EXPECT_NE(bounded.err.find("correlation windows: more than 100 groups"), std::string::npos) << bounded.err;
  size_t brute_force = 0;
  for (const auto& i : testing::incidentLines(all.out)) brute_force += i.rule_id == kBruteForce;
  EXPECT_GE(brute_force, 100u) << "the bursts raise brute-force incidents";
  EXPECT_TRUE(bounded.out == all.out) << "the bounded replay's output differs";
  EXPECT_TRUE(std::filesystem::is_empty(tmp)) << "the temporary store is removed";
}

}  // namespace
}  // namespace hinomi
