#include "common/config/correlator_options.h"

#include <filesystem>

namespace hinomi::config {

Schema<CorrelatorOptions> correlatorSchema() {
  Schema<CorrelatorOptions> s;
  s.textList("decoders", &CorrelatorOptions::decoders,
             "Directories of decoder files (*.yaml, read in name order; docs/decoders.md). A relative "
             "path written in a config file is taken from that file's directory; the default and the "
             "embedded config's from the working directory. `hinomi decode --decoders DIR` adds more");
  s.textList("rules", &CorrelatorOptions::rules,
             "Directories of Sigma detection rules (*.yml, *.yaml). Relative paths as for decoders");
  return s;
}

void resolveCorrelatorPaths(CorrelatorOptions& options, const YAML::Node& node, const std::string& base_dir) {
  if (base_dir.empty() || !node || !node.IsMap()) return;
  auto resolve = [&](const char* key, std::vector<std::string>& dirs) {
    if (!node[key]) return;
    for (auto& d : dirs)
      if (!d.empty() && std::filesystem::path(d).is_relative()) d = (std::filesystem::path(base_dir) / d).string();
  };
  resolve("decoders", options.decoders);
  resolve("rules", options.rules);
}

}  // namespace hinomi::config
