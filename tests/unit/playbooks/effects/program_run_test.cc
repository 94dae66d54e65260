// runProgram: argv passed as is (no shell), an environment of its own, the deadline, bounded output.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "playbooks/effects/program_run.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::playbooks::effects {
namespace {

ProgramRequest request(std::vector<std::string> argv) {
  ProgramRequest r;
  r.argv = std::move(argv);
  return r;
}

std::vector<std::string> sortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST(ProgramRunTest, OutputAndExitCodeAreCaptured) {
  auto r = runProgram(request({"/bin/echo", "hello", "世界"}));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->signal, 0);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->out, "hello 世界\n");
  EXPECT_EQ(r->err, "");

  r = runProgram(request({"/bin/false"}));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->exit_code, 1);

  r = runProgram(request({"/bin/ls", "/nonexistent-dir-for-hinomi"}));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_NE(r->exit_code, 0);
  EXPECT_FALSE(r->err.empty());
  EXPECT_TRUE(r->out.empty());
}

TEST(ProgramRunTest, StdinIsEmpty) {
  auto r = runProgram(request({"/bin/cat"}));  // would wait forever on an inherited terminal
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out, "");
}

TEST(ProgramRunTest, TheEnvironmentIsOnlyWhatWasGiven) {
  ASSERT_EQ(::setenv("HINOMI_TEST_SECRET", "do-not-leak", 1), 0);
  ProgramRequest r = request({"/usr/bin/env"});
  r.env = {{"CASE_ID", "42"}, {"TARGET", "203.0.113.7"}};
  auto res = runProgram(r);
  ::unsetenv("HINOMI_TEST_SECRET");
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(sortedLines(res->out),
            (std::vector<std::string>{"CASE_ID=42", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TARGET=203.0.113.7"}));
  EXPECT_EQ(res->out.find("do-not-leak"), std::string::npos);

  r.env = {{"PATH", "/opt/tools/bin"}};
  res = runProgram(r);
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->out, "PATH=/opt/tools/bin\n");

  r.env = {{"BAD=NAME", "x"}};
  res = runProgram(r);
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kInvalidArgument);
}

TEST(ProgramRunTest, ATimeoutEndsTheProgram) {
  ProgramRequest r = request({"/bin/sleep", "10"});
  r.timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  auto res = runProgram(r);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_TRUE(res->timed_out);
  EXPECT_EQ(res->signal, SIGTERM);
  EXPECT_EQ(res->exit_code, -1);
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(ProgramRunTest, AProgramThatIgnoresSigtermIsKilledWithItsChildren) {
  // A test may use a shell: the group (sh and its sleep) ignores SIGTERM and holds the pipes.
  ProgramRequest r = request({"/bin/sh", "-c", "trap '' TERM; /bin/sleep 30 & /bin/sleep 30; echo not reached"});
  r.timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  auto res = runProgram(r);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_TRUE(res->timed_out);
  EXPECT_EQ(res->signal, SIGKILL);
  EXPECT_EQ(res->out, "");
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(ProgramRunTest, ArgumentsAreNeverAShell) {
  const std::string marker = "/tmp/x_" + std::to_string(::getpid());
  std::filesystem::remove(marker);
  const std::string arg = "; touch " + marker;
  auto r = runProgram(request({"/bin/echo", arg, "$(id)", "`id`", "|", "&&"}));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->out, arg + " $(id) `id` | &&\n");
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(ProgramRunTest, OutputPastTheLimitIsReadAndDropped) {
  ProgramRequest r = request({"/usr/bin/seq", "1", "200000"});  // ~1.3 MB: blocks if not read on
  r.max_output = 1000;
  auto res = runProgram(r);
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->exit_code, 0);  // not killed by SIGPIPE: the rest was read
  EXPECT_FALSE(res->timed_out);
  ASSERT_EQ(res->out.size(), 1000u);
  EXPECT_EQ(res->out.substr(0, 8), "1\n2\n3\n4\n");
}

TEST(ProgramRunTest, BadRequestsAreRefused) {
  auto r = runProgram(request({}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);

  r = runProgram(request({"echo", "hi"}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  r = runProgram(request({"bin/echo", "hi"}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  r = runProgram(request({"/bin/echo", std::string("a\0b", 3)}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(ProgramRunTest, AProgramThatCannotStartIsUnavailableAndSaysWhy) {
  auto r = runProgram(request({"/nonexistent/hinomi-block-ip"}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("/nonexistent/hinomi-block-ip"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("No such file"), std::string::npos) << r.error().message;

  hinomi::testing::TempDir dir;
  const std::string script = dir.write("block.sh", "#!/bin/sh\necho blocked\n");
  r = runProgram(request({script}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("not executable"), std::string::npos) << r.error().message;

  r = runProgram(request({dir.path().string()}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("directory"), std::string::npos) << r.error().message;

  ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  auto ok = runProgram(request({script}));
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->out, "blocked\n");
}

TEST(ProgramRunTest, NoDescriptorLeaksIntoTheProgram) {
  // As if another thread had opened a file without O_CLOEXEC.
  int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 0);
  auto r = runProgram(request({"/bin/ls", "/proc/self/fd"}));
  ::close(leaky);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  // 0, 1, 2 and the one ls opens to read the directory.
  EXPECT_EQ(sortedLines(r->out).size(), 4u) << r->out;
}

TEST(ProgramRunTest, SeveralThreadsRunProgramsAtOnce) {
  constexpr int kThreads = 8;
  std::vector<std::string> outs(kThreads);
  std::vector<int> codes(kThreads, -2);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([i, &outs, &codes] {
      for (int round = 0; round < 5; ++round) {
        auto r = runProgram(request({"/bin/echo", "run-" + std::to_string(i)}));
        if (!r || r->out != "run-" + std::to_string(i) + "\n") {
          outs[i] = r ? r->out : r.error().message;
          codes[i] = r ? r->exit_code : -3;
          return;
        }
        outs[i] = r->out;
        codes[i] = r->exit_code;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(codes[i], 0) << i;
    EXPECT_EQ(outs[i], "run-" + std::to_string(i) + "\n");
  }
}

}  // namespace
}  // namespace hinomi::playbooks::effects
