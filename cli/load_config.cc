#include "cli/load_config.h"

#include <iostream>

#include "cli/commands.h"

namespace hinomi::cli {

std::optional<config::HinomiConfig> loadConfigOrReport(const std::string& path, const std::string& data_dir) {
  config::Diagnostics diag(path.empty() ? "<embedded>/hinomi.yaml" : path);
  config::HinomiConfig cfg = path.empty() ? config::loadConfigText(std::string(kDefaultConfig), diag)
                                          : config::loadConfigFile(path, diag);
  if (!diag.ok()) {
    std::cerr << diag.toString();
    std::cerr << diag.errors().size() << (diag.errors().size() == 1 ? " error" : " errors") << " in "
              << diag.file() << "\n";
    return std::nullopt;
  }
  if (!data_dir.empty()) cfg.data_dir = data_dir;
  cfg.bus.embedded.path = cfg.embeddedBusPath();
  return cfg;
}

std::optional<correlator::TenantPolicies> loadTenantPoliciesOrReport(const config::HinomiConfig& cfg) {
  auto load = correlator::loadTenantDirectories(cfg.tenants, /*missing_ok=*/!cfg.tenants_in_file);
  if (!load.ok()) {
    std::cerr << load.errorText() << load.errors.size() << (load.errors.size() == 1 ? " error" : " errors")
              << " in the tenant policies\n";
    return std::nullopt;
  }
  return std::move(load.policies);
}

}  // namespace hinomi::cli
