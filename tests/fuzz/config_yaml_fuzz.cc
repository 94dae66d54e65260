// Any bytes as a configuration file: loading collects errors, never crashes or throws.
#include <cstdint>
#include <string>

#include "common/config/hinomi_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hinomi::config::Diagnostics diag("fuzz.yaml");
  hinomi::config::loadConfigText(std::string(reinterpret_cast<const char*>(data), size), diag);
  for (const auto& e : diag.errors())
    if (e.location.line < 1 || e.location.column < 1) __builtin_trap();
  return 0;
}
