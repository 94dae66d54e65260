// hinomi audit verify: walk the responder's hash-chained audit log and report the first break.
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/load_config.h"
#include "playbooks/audit_log.h"

namespace hinomi::cli {

void addAuditCommand(CLI::App& app, int& exit_code) {
  auto* audit = app.add_subcommand("audit", "The responder's audit log");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand(
      "verify", "Check the audit log's hash chain; report the first modified, removed or reordered entry");
  auto path = std::make_shared<std::string>();
  auto data_dir = std::make_shared<std::string>();
  verify->add_option("-c,--config", *path, "Configuration file (default: the embedded one)");
  verify->add_option("--data-dir", *data_dir, "Overrides data_dir of the configuration");
  verify->callback([path, data_dir, &exit_code] {
    auto cfg = loadConfigOrReport(*path, *data_dir);
    if (!cfg) {
      exit_code = 2;
      return;
    }
    const std::string dir = cfg->auditLogPath();
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
      std::cerr << dir << ": no audit log here (nothing has been audited yet, or the wrong --data-dir)\n";
      exit_code = 2;
      return;
    }
    auto log = playbooks::AuditLog::openReadOnly(dir);
    if (!log) {
      std::cerr << log.error().message << "\n";
      exit_code = 2;
      return;
    }
    auto v = (*log)->verify();
    if (v.intact) {
      std::cout << dir << ": " << v.entries << " entries, chain intact";
      if (v.entries > 0) std::cout << "; head " << v.head_seq << " sha256:" << v.head_hash;
      std::cout << "\n";
      exit_code = 0;
      return;
    }
    std::cout << dir << ": chain broken at entry " << v.break_seq << " (key " << v.break_key << "): " << v.problem
              << "; the " << v.entries << " entries before it are intact"
              << (v.entries > 0 ? " up to sha256:" + v.head_hash : std::string()) << "\n";
    exit_code = 1;
  });
}

}  // namespace hinomi::cli
