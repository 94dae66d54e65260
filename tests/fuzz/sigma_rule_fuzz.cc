// Any bytes as a Sigma rule file: reading never crashes or throws, refusals are located errors,
// and whatever loads compiles and matches; correlation documents compile and run over a short
// stream of events without crashing.
#include <cstdint>
#include <string>

#include "correlator/rules/field_mapping.h"
#include "correlator/rules/rule_set.h"
#include "correlator/rules/sigma_reader.h"
#include "correlator/windows/correlation_engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hinomi::rules;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto read = readSigmaText(text, "fuzz.yml");
  for (const auto& e : read.errors)
    if (e.location.line < 1 || e.location.column < 1) __builtin_trap();
  Pipeline p;
  p.name = "fuzz";
  p.fields = {{"User", "user.name"}};
  p.route = {{"app", {Value{false, "sshd"}}}};
  for (auto& r : read.rules) (void)applyPipelines({p}, r);
  auto set = RuleSet::build(std::move(read.rules));
  if (!set) return 0;
  hinomi::Event e;
  e.app = "sshd";
  e.message = "Failed password for root from 10.0.0.1 port 22 ssh2";
  e.fields = {{"user.name", "root"}, {"source.ip", "10.0.0.1"}, {"source.port", 22}};
  if (set->matchIds(e) != set->matchNaive(e)) __builtin_trap();
  auto compiled = compileCorrelations(std::move(read.correlations), *set, {p});
  for (const auto& err : compiled.errors)
    if (err.location.line < 1) __builtin_trap();
  hinomi::correlator::CorrelationEngine engine(compiled.set, {});
  std::vector<int> matched;
  std::vector<hinomi::correlator::Incident> out;
  for (int i = 0; i < 24; ++i) {
    // Every rule matches some events, out of order now and then, two groups, two tenants.
    matched.clear();
    for (size_t r = 0; r < set->size(); ++r)
      if ((i + int(r)) % 3 != 0) matched.push_back(int(r));
    e.id = "e" + std::to_string(i);
    e.tenant = i % 5 == 0 ? "t2" : "t1";
    e.ts_us = int64_t{1795435200} * 1000000 + int64_t(i % 7 == 3 ? i - 2 : i) * 17 * 1000000;
    e.ingest_ts_us = e.ts_us;
    e.fields["source.ip"] = i % 2 ? "10.0.0.1" : "10.0.0.2";
    engine.onEvent(e, matched, out);
  }
  engine.finish(out);
  for (const auto& inc : out)
    if (inc.id.empty() || inc.first_ts_us > inc.last_ts_us) __builtin_trap();
  return 0;
}
