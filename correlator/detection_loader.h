#pragma once
// Loads what the detector applies (decoders and Sigma rules of the `correlator` config section)
// for a long-running process: every decoder error and rule refusal is logged as
// FILE:LINE:COL: error: message (as `hinomi rules lint` prints it) and the rest load, since a public
// Sigma checkout always has rules hinomi refuses. Only what leaves nothing sensible to run fails.

#include <cstddef>

#include <spdlog/logger.h>

#include "common/config/correlator_options.h"
#include "common/result.h"
#include "correlator/detector.h"

namespace hinomi::correlator {

struct LoadedDetection {
  DetectionSet set;
  size_t decoder_errors = 0;  // logged; the decoders of those files that loaded are kept
  int rules_refused = 0;      // logged
  size_t rule_warnings = 0;   // logged at debug (rules that load but look wrong)
};

// Fails when a configured decoder or rule path cannot be read (missing, not a directory / rule
// file, no permission) or the rule set does not compile. Sets the correlator's loaded/refused gauges.
[[nodiscard]] Result<LoadedDetection> loadDetection(const config::CorrelatorOptions& options, spdlog::logger& log);

}  // namespace hinomi::correlator
