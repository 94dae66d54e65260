#include "cli/load_config.h"

#include <iostream>

#include "cli/commands.h"
#include "correlator/decoders/decoder_loader.h"

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

std::optional<correlator::DecoderSet> loadDecodersOrReport(const config::HinomiConfig& cfg,
                                                          const std::vector<std::string>& extra_dirs) {
  std::vector<std::string> dirs = cfg.correlator.decoders;
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  auto load = correlator::loadDecoderDirectories(dirs);
  if (!load.ok()) {
    std::cerr << load.errorText() << load.errors.size() << (load.errors.size() == 1 ? " error" : " errors")
              << " in the decoders\n";
    return std::nullopt;
  }
  return std::move(load.set);
}

std::vector<std::string> rulePaths(const config::HinomiConfig& cfg, bool config_given,
                                   const std::vector<std::string>& extra_dirs) {
  std::vector<std::string> paths;
  if (config_given || extra_dirs.empty()) paths = cfg.correlator.rules;
  paths.insert(paths.end(), extra_dirs.begin(), extra_dirs.end());
  return paths;
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
