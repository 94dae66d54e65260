// hinomi cases list: the responder's cases, for people without the console (read-only; works
// beside a running hinomi). The commands that work a case are in cmd_case_actions.cc.
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/load_config.h"
#include "common/time.h"
#include "playbooks/case_store.h"

namespace hinomi::cli {

void addCasesCommand(CLI::App& app, int& exit_code) {
  auto* cases = app.add_subcommand("cases", "The responder's cases");
  cases->require_subcommand(1);
  auto* list = cases->add_subcommand("list", "List cases (one line each, or JSON lines with --json)");
  auto path = std::make_shared<std::string>();
  auto data_dir = std::make_shared<std::string>();
  auto tenant = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  list->add_option("-c,--config", *path, "Configuration file (default: the embedded one)");
  list->add_option("--data-dir", *data_dir, "Overrides data_dir of the configuration");
  list->add_option("--tenant", *tenant, "Only this tenant's cases");
  list->add_flag("--json", *json, "One case as JSON per line (timeline and incident ids included)");
  list->callback([path, data_dir, tenant, json, &exit_code] {
    auto cfg = loadConfigOrReport(*path, *data_dir);
    if (!cfg) {
      exit_code = 2;
      return;
    }
    const std::string dir = cfg->responderStatePath();
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
      std::cerr << dir << ": no case store here (hinomi run has not started with this data_dir)\n";
      exit_code = 2;
      return;
    }
    auto store = playbooks::CaseStore::openReadOnly(dir);
    if (!store) {
      std::cerr << store.error().message << "\n";
      exit_code = 2;
      return;
    }
    auto all = (*store)->list(*tenant);
    if (!all) {
      std::cerr << all.error().message << "\n";
      exit_code = 2;
      return;
    }
    for (const auto& c : *all) {
      if (*json) {
        std::cout << c.toJson().dump() << "\n";
        continue;
      }
      std::cout << c.id << "  " << c.tenant << "  " << c.playbook << "  " << c.level << "  " << c.state << "  "
                << formatRfc3339(c.first_ts_us) << "  " << c.incident_ids.size() << " incidents  " << c.group.dump()
                << "\n";
    }
    if (!*json) std::cout << all->size() << " cases\n";
    exit_code = 0;
  });
  addCaseActionCommands(*cases, exit_code);
}

}  // namespace hinomi::cli
