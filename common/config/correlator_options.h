#pragma once
// Options of the correlator: where its decoders and detection rules are read from, and how the
// detection stage of `hinomi run` (correlator/detector.h) consumes the events topic.

#include <cstdint>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config/schema.h"

namespace hinomi::config {

struct CorrelatorOptions {
  std::vector<std::string> decoders = {"config/decoders"};  // directories of decoder YAML files
  std::vector<std::string> rules = {"config/rules"};        // directories of Sigma rules
  bool enabled = true;                                      // `hinomi run` runs the detector
  std::string group = "hinomi-detector";                    // its consumer group on topics.events
  int64_t batch_size = 500;                                 // events per poll / commit
  int64_t allowed_lateness_secs = 10;                       // correlation windows: out-of-order slack
  int64_t max_clock_skew_secs = 300;                        // event time ahead of ingest time, at most
  int64_t max_groups_in_memory = 200000;                    // correlation groups cached; the rest in RocksDB
};

Schema<CorrelatorOptions> correlatorSchema();

// A relative path written in a config file means "next to that file": resolves the entries of
// `node` (the YAML `correlator` section) against `base_dir`. Defaults (keys absent from the file)
// and the embedded config stay relative to the working directory.
void resolveCorrelatorPaths(CorrelatorOptions& options, const YAML::Node& node, const std::string& base_dir);

}  // namespace hinomi::config
