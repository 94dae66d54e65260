// hinomi playbooks lint: load and validate the playbook files (docs/playbooks.md), every error at
// FILE:LINE:COL, all at once, and list what each playbook would do.
#include <iostream>

#include "cli/commands.h"
#include "cli/load_config.h"
#include "playbooks/playbook_loader.h"

namespace hinomi::cli {

void addPlaybooksCommand(CLI::App& app, int& exit_code) {
  auto* playbooks = app.add_subcommand("playbooks", "Work with response playbooks (緊急時対応計画)");
  playbooks->require_subcommand(1);

  auto* lint = playbooks->add_subcommand(
      "lint", "Load and validate every playbook; print errors and warnings as FILE:LINE:COL and a summary of each");
  auto config = std::make_shared<std::string>();
  auto dirs = std::make_shared<std::vector<std::string>>();
  lint->add_option("-c,--config", *config, "Configuration file whose playbooks directories are loaded (default: the embedded one, unless --playbooks is given)");
  lint->add_option("--playbooks", *dirs, "Another playbooks directory (repeatable)")->allow_extra_args(false);
  lint->callback([config, dirs, &exit_code] {
    auto cfg = loadConfigOrReport(*config, "");
    if (!cfg) {
      exit_code = 2;
      return;
    }
    // As for rules: --playbooks without -c looks only there.
    std::vector<std::string> paths = (!dirs->empty() && config->empty()) ? std::vector<std::string>{} : cfg->playbooks;
    bool missing_ok = paths.size() > 0 && !cfg->playbooks_in_file;
    auto load = playbooks::loadPlaybookDirectories(paths, missing_ok);
    auto extra = playbooks::loadPlaybookDirectories(*dirs);
    for (auto& p : extra.playbooks) {
      if (const auto* first = load.byId(p.id)) {
        load.errors.push_back(Error{ErrorCode::kConfig,
                                    "playbook '" + p.id + "' is already defined in " + first->location.file + ":" +
                                        std::to_string(first->location.line),
                                    p.location});
        continue;
      }
      load.playbooks.push_back(std::move(p));
    }
    load.errors.insert(load.errors.end(), extra.errors.begin(), extra.errors.end());
    load.warnings.insert(load.warnings.end(), extra.warnings.begin(), extra.warnings.end());
    load.files += extra.files;
    for (const auto& e : load.errors) std::cout << e.toString() << "\n";
    for (const auto& w : load.warnings)
      std::cout << w.location.file << ":" << w.location.line << ":" << w.location.column << ": warning: " << w.message
                << "\n";
    for (const auto& p : load.playbooks) {
      size_t actions = 0, approvals = 0;
      for (const auto& s : p.steps) {
        actions += s.kind == playbooks::StepKind::kAction;
        approvals += s.kind == playbooks::StepKind::kApproval;
      }
      std::cout << p.id << "  " << p.title << "  (" << p.steps.size() << " steps, " << approvals << " approvals, "
                << actions << " actions, " << p.report.size() << " report items, " << p.recurrence_prevention.size()
                << " 再発防止 items" << (p.dry_run ? ", dry run" : "") << ")\n";
    }
    std::cout << load.playbooks.size() << " playbooks loaded from " << load.files << " files, " << load.errors.size()
              << " errors, " << load.warnings.size() << " warnings\n";
    exit_code = load.ok() ? 0 : 1;
  });
}

}  // namespace hinomi::cli
