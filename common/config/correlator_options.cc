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
  s.boolean("enabled", &CorrelatorOptions::enabled,
            "`hinomi run` decodes the events of topics.events, matches the rules and publishes incidents "
            "on topics.incidents (docs/correlator.md); false leaves the events for another process");
  s.text("group", &CorrelatorOptions::group,
         "Consumer group of the detector on topics.events: its committed offsets say what was processed, "
         "so a restart resumes there. Detectors sharing a group share the partitions");
  s.integer("batch_size", &CorrelatorOptions::batch_size, 1, 100000,
            "Events polled at once; their offsets are committed after every incident they raised is "
            "delivered, so a larger batch commits less often and re-processes more after a crash");
  s.integer("allowed_lateness_secs", &CorrelatorOptions::allowed_lateness_secs, 0, 86400,
            "Correlation windows (docs/correlations.md) close this long after their end, so events that "
            "arrive out of order by up to this much still count");
  s.integer("max_clock_skew_secs", &CorrelatorOptions::max_clock_skew_secs, 0, 86400 * 366,
            "An event time later than its ingest time by more than this is taken as ingest time plus this "
            "when it moves a tenant's clock, so one host with a clock in the future cannot close every "
            "window of its tenant early");
  s.integer("max_groups_in_memory", &CorrelatorOptions::max_groups_in_memory, 100, 1000000000,
            "Correlation groups `hinomi run` keeps in memory (about 2 kB each); every group is in RocksDB "
            "under data_dir, and those least recently used beyond this are dropped from memory and read "
            "back when seen again, so memory stays bounded however many groups are open");
  s.check([](const CorrelatorOptions& o, const YAML::Node& n, Diagnostics& d) {
    if (o.group.empty()) d.error(n && n.IsMap() && n["group"] ? n["group"] : n, "correlator.group: must not be empty");
  });
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
