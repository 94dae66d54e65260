#pragma once
// The responder's local actions: a program run directly from an argv (never through a shell, so
// event data in an argument stays one literal argument), with an environment of its own (hinomi's
// may hold secrets), a deadline that kills its whole process group, and bounded captured output.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace hinomi::playbooks::effects {

inline constexpr const char* kProgramPath = "/usr/sbin:/usr/bin:/sbin:/bin";

struct ProgramRequest {
  std::vector<std::string> argv;  // argv[0] must be an absolute path
  // The ONLY environment besides PATH=kProgramPath (an entry named PATH replaces that one).
  std::vector<std::pair<std::string, std::string>> env;
  std::chrono::milliseconds timeout{30000};
  size_t max_output = 64 * 1024;  // stdout and stderr each kept up to this (the rest read and dropped)
};

struct ProgramResult {
  int exit_code = -1;      // -1 when it was ended by a signal
  int signal = 0;          // the signal that ended it, or 0
  bool timed_out = false;  // the deadline passed: the group got SIGTERM, and SIGKILL 2 s later
  std::string out, err;
  int64_t duration_us = 0;
};

// Runs the program to its end with stdin from /dev/null, in its own process group. Once it has
// exited, output still held open by a process it left behind is read for at most 500 ms more.
// Thread-safe. kInvalidArgument: empty argv, relative argv[0], a NUL in an argument, a bad
// environment name; kUnavailable: it cannot be started (the message says which path and why).
[[nodiscard]] Result<ProgramResult> runProgram(const ProgramRequest& request);

}  // namespace hinomi::playbooks::effects
