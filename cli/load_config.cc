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

}  // namespace hinomi::cli
