// hinomi rules lint: load, compile-check and criticise Sigma rules. (`rules test`: cmd_rules_test.cc.)
#include <iostream>

#include "cli/commands.h"
#include "cli/load_config.h"
#include "correlator/rules/rule_loader.h"

namespace hinomi::cli {
namespace {

std::string located(const Error& e, const char* kind) {
  return e.location.file + ":" + std::to_string(e.location.line) + ":" +
         std::to_string(e.location.column) + ": " + kind + ": " + e.message;
}

}  // namespace

void addRulesCommand(CLI::App& app, int& exit_code) {
  auto* rules = app.add_subcommand("rules", "Work with detection rules (Sigma)");
  rules->require_subcommand(1);

  auto* lint = rules->add_subcommand(
      "lint", "Load and compile every rule; list refused rules as FILE:LINE and warn on rules that can never match");
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto config = std::make_shared<std::string>();
  lint->add_option("-c,--config", *config,
                   "Configuration file whose correlator.rules directories are loaded (default: the embedded "
                   "one, unless --rules is given)");
  lint->add_option("--rules", *dirs,
                   "Another rules directory or file (repeatable); pipelines/ folders inside give field mappings")
      ->allow_extra_args(false);
  lint->callback([dirs, config, &exit_code] {
    auto cfg = loadConfigOrReport(*config, "");
    if (!cfg) {
      exit_code = 2;
      return;
    }
    auto loaded = rules::loadRules(rulePaths(*cfg, !config->empty(), *dirs));
    for (const auto& e : loaded.errors) std::cout << located(e, "error") << "\n";
    for (const auto& w : loaded.warnings) std::cout << located(w, "warning") << "\n";
    size_t correlations = loaded.correlations ? loaded.correlations->size() : 0;
    size_t n = (loaded.set ? loaded.set->size() : 0) + correlations;
    if (loaded.set) {
      auto st = loaded.set->stats();
      std::cout << loaded.pipelines << " pipelines; " << st.set_patterns << " patterns ("
                << st.exact_patterns << " exact values) in " << st.scanned_fields << " field sets ("
                << st.routed_fields << " read only inside routes); " << st.always_evaluated
                << " rules evaluated for every event; " << correlations << " correlations; "
                << loaded.warnings.size() << " warnings\n";
    }
    std::cout << n << " rules loaded, " << loaded.refused << " refused\n";
    exit_code = loaded.errors.empty() && loaded.set ? 0 : 1;
  });

  addRulesTestCommand(*rules, exit_code);
}

}  // namespace hinomi::cli
