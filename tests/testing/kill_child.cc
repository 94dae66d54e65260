#include "tests/testing/kill_child.h"

#include <unistd.h>

#include <fstream>

namespace hinomi::testing {

std::string flagFromCommandLine(const std::string& flag) {
  const std::string prefix = "--" + flag + "=";
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string arg;
  while (std::getline(in, arg, '\0'))
    if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
  return {};
}

std::vector<std::string> childTestArgv(const std::string& child_test, const std::string& flag,
                                       const std::string& value) {
  return {"/proc/self/exe", "--gtest_filter=" + child_test, "--gtest_also_run_disabled_tests",
          "--" + flag + "=" + value};
}

void writeAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w <= 0) return;
    data += w;
    n -= size_t(w);
  }
}

}  // namespace hinomi::testing
