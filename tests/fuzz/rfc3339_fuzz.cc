// Any bytes as a timestamp: a parsed time formats back to a string that parses to the same time.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = hinomi::parseRfc3339(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!t) return 0;
  auto back = hinomi::parseRfc3339(hinomi::formatRfc3339(*t));
  if (!back || *back != *t) std::abort();
  return 0;
}
