// Any bytes as a rule fixture file (`hinomi rules test`): reading collects located errors, never
// crashes or throws, and every fixture it keeps names a rule and holds at least one case (or a
// correlation's script, never both).
#include <cstdint>
#include <string>
#include <string_view>

#include "correlator/rules/rule_fixtures.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto load = hinomi::rules::readFixtureText(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  for (const auto& e : load.errors)
    if (e.location.line < 1 || e.location.column < 1) __builtin_trap();
  for (const auto& f : load.fixtures)
    if (f.rule_id.empty() || (f.cases.empty() == f.script.empty()) || f.has_script != !f.script.empty())
      __builtin_trap();
  return 0;
}
