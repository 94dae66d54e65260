// Any bytes as the API's users file: parsing reports located errors or a set of users, never
// crashes or throws; a parsed user has a name, tenants and a 64-hex token hash.
#include <cstdint>
#include <string>

#include "console/api/api_users.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto users = hinomi::console::ApiUsers::parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  if (users) {
    (void)users->byToken("x");
    (void)users->byName("x");
  } else if (users.error().message.empty()) {
    __builtin_trap();
  }
  return 0;
}
