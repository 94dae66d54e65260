// Any bytes as a Sigma rule file: reading never crashes or throws, refusals are located errors,
// and whatever loads compiles and matches.
#include <cstdint>
#include <string>

#include "correlator/rules/field_mapping.h"
#include "correlator/rules/rule_set.h"
#include "correlator/rules/sigma_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hinomi::rules;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto read = readSigmaText(text, "fuzz.yml");
  for (const auto& e : read.errors)
    if (e.location.line < 1 || e.location.column < 1) __builtin_trap();
  Pipeline p;
  p.name = "fuzz";
  p.fields = {{"User", "user.name"}};
  p.route = {{"app", {"sshd"}}};
  for (auto& r : read.rules) (void)applyPipelines({p}, r);
  auto set = RuleSet::build(std::move(read.rules));
  if (!set) return 0;
  hinomi::Event e;
  e.app = "sshd";
  e.message = "Failed password for root from 10.0.0.1 port 22 ssh2";
  e.fields = {{"user.name", "root"}, {"source.ip", "10.0.0.1"}, {"source.port", 22}};
  if (set->matchIds(e) != set->matchNaive(e)) __builtin_trap();
  return 0;
}
