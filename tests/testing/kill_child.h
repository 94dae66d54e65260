#pragma once
// For SIGKILL durability tests: the child is this test binary exec'd again with a filter that
// selects a DISABLED_ child test and a flag carrying its data directory (a fresh exec, not a fork
// of a process that may have threads).

#include <string>
#include <vector>

namespace hinomi::testing {

// The value of `--<flag>=VALUE` on this process's command line; empty in a normal test run.
std::string flagFromCommandLine(const std::string& flag);

// argv that runs `child_test` (Suite.DISABLED_Name) of this binary with --<flag>=<value>.
std::vector<std::string> childTestArgv(const std::string& child_test, const std::string& flag,
                                       const std::string& value);

// write(2) until done: one call per line keeps a line whole for the parent reading the pipe.
void writeAll(int fd, const char* data, size_t n);

}  // namespace hinomi::testing
