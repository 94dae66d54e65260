#pragma once
// Runs a program (argv, never a shell) as a child with its stdout and stderr captured, for tests
// that drive the real binary or kill a writer with SIGKILL.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hinomi::testing {

class ChildProcess {
 public:
  // Starts argv[0] with argv; `child_main`, when given, runs in the forked child instead of exec.
  explicit ChildProcess(std::vector<std::string> argv);
  explicit ChildProcess(std::function<int()> child_main);
  ~ChildProcess();  // kills the child if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for exit; returns the exit code, or 128+signal, or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Output read so far (reads what is available without blocking).
  std::string stdoutText();
  std::string stderrText();
  // Reads stdout until a line containing `needle` arrives; returns that line, or nullopt on timeout.
  std::optional<std::string> waitForLine(const std::string& needle, std::chrono::milliseconds timeout,
                                         bool from_stderr = false);

 private:
  void start(const std::function<void()>& in_child);
  void pump(int timeout_ms);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  std::optional<int> status_;
  size_t scanned_out_ = 0;
  size_t scanned_err_ = 0;
};

// Runs to completion and returns {exit code, stdout, stderr}.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
RunResult runProgram(const std::vector<std::string>& argv,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace hinomi::testing
