// hinomi rules test -c CONFIG [--rules DIR]... [--decoders DIR]... [-v]: runs every rule's fixtures
// (tests/ folders of the rules directories, correlator/rules/rule_fixtures.h) and says which failed.
#include <iostream>

#include "cli/commands.h"
#include "cli/load_config.h"
#include "common/time.h"
#include "correlator/rules/fixture_runner.h"
#include "correlator/rules/rule_loader.h"

namespace hinomi::cli {
namespace {

struct RulesTestArgs {
  std::string config;
  std::vector<std::string> rule_dirs;
  std::vector<std::string> decoder_dirs;
  bool verbose = false;
};

std::string located(const Error& e) {
  return e.location.file + ":" + std::to_string(e.location.line) + ":" + std::to_string(e.location.column) +
         ": error: " + e.message;
}

std::string fileLine(const Location& at) { return at.file + ":" + std::to_string(at.line); }

void printScript(const rules::CaseResult& c) {
  std::cout << fileLine(c.location) << ": " << (c.passed() ? "PASS" : "FAIL") << " correlation " << c.correlation->id
            << " (" << c.correlation->title << "): ";
  if (c.passed()) {
    std::cout << "script raised the " << c.incidents.size() << " incident(s) expected\n";
    return;
  }
  std::cout << c.mismatch << "\n";
  for (const auto& inc : c.incidents)
    std::cout << "    raised: group=" << inc.group.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << " event_count=" << inc.event_count << "\n";
}

void printCase(const rules::CaseResult& c) {
  if (c.correlation) return printScript(c);
  std::cout << fileLine(c.location) << ": " << (c.passed() ? "PASS" : "FAIL") << " rule " << c.rule->id << " ("
            << c.rule->title << "): ";
  if (c.passed()) std::cout << (c.expect_fire ? "fired" : "did not fire on a near miss") << "\n";
  else std::cout << (c.expect_fire ? "expected to fire, did not" : "fired on a near miss") << "\n";
  if (c.passed()) return;
  // What the rule saw: routing reads app, the selections read message and fields.
  const Event& e = c.event;
  std::cout << "    app=" << (e.app.empty() ? "-" : e.app) << " decoder=" << (e.decoder.empty() ? "-" : e.decoder);
  if (e.malformed()) std::cout << " parse_status=" << e.parse_status;
  std::cout << " fields=" << e.fields << "\n";
}

int runRulesTest(const RulesTestArgs& args) {
  auto cfg = loadConfigOrReport(args.config, "");
  if (!cfg) return 2;
  auto decoders = loadDecodersOrReport(*cfg, args.decoder_dirs);
  if (!decoders) return 2;
  auto paths = rulePaths(*cfg, !args.config.empty(), args.rule_dirs);
  auto loaded = rules::loadRules(paths);
  // Refusals are listed as lint lists them; they fail the run only through a fixture naming the rule.
  for (const auto& e : loaded.errors) std::cout << located(e) << "\n";
  if (!loaded.set) return 2;

  auto tenants = loadTenantPoliciesOrReport(*cfg);  // fixtures see the zone fields replay and run see
  if (!tenants) return 2;

  auto fixtures = rules::loadFixtures(paths);
  auto run = rules::runFixtures(fixtures.fixtures, *loaded.set, *decoders, SystemClock::instance().nowMicros(),
                                &*tenants, loaded.correlations.get());
  for (const auto& e : fixtures.errors) std::cout << located(e) << "\n";
  for (const auto& e : run.errors) std::cout << located(e) << "\n";
  for (const auto& c : run.cases)
    if (args.verbose || !c.passed()) printCase(c);
  if (!run.untested.empty()) {
    std::cout << "rules without fixtures:\n";
    for (const auto* r : run.untested) std::cout << "  " << fileLine(r->location) << ": " << r->id << "\n";
  }
  if (!run.untested_correlations.empty()) {
    std::cout << "correlations without a script:\n";
    for (const auto* c : run.untested_correlations) std::cout << "  " << fileLine(c->location) << ": " << c->id << "\n";
  }
  std::cout << run.passed << " passed, " << run.failed << " failed\n";
  return run.failed == 0 && fixtures.errors.empty() && run.errors.empty() ? 0 : 1;
}

}  // namespace

void addRulesTestCommand(CLI::App& rules, int& exit_code) {
  auto args = std::make_shared<RulesTestArgs>();
  auto* cmd = rules.add_subcommand(
      "test", "Run the rules' fixtures (tests/ folders in the rules directories): lines that must raise each "
              "rule's incident and near misses that must not; ends with N passed, M failed");
  cmd->add_option("-c,--config", args->config,
                  "Configuration file whose correlator.rules and correlator.decoders are loaded (default: the "
                  "embedded one; with only --rules and no -c, just those rules)");
  cmd->add_option("--rules", args->rule_dirs,
                  "Another rules directory (repeatable); its tests/ folders hold fixtures too")
      ->allow_extra_args(false);
  cmd->add_option("--decoders", args->decoder_dirs, "Another directory of decoder files (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("-v,--verbose", args->verbose, "Also print a PASS line for every case that passed");
  cmd->callback([args, &exit_code] { exit_code = runRulesTest(*args); });
}

}  // namespace hinomi::cli
