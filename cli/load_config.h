#pragma once
// Shared by the subcommands: load -c FILE (or the compiled-in default), print every error.

#include <optional>
#include <string>
#include <vector>

#include "common/config/hinomi_config.h"
#include "correlator/decoders/decoder_set.h"
#include "correlator/enrich/tenant_policy.h"

namespace hinomi::cli {

// Prints errors to stderr as FILE:LINE:COL: error: …; nullopt when there were any.
// An empty `path` means the embedded default. `data_dir`, when set, overrides data_dir.
std::optional<config::HinomiConfig> loadConfigOrReport(const std::string& path, const std::string& data_dir);

// The decoders of cfg.correlator.decoders, then `extra_dirs` (--decoders). Prints every error as
// FILE:LINE:COL: error: … and a count to stderr; nullopt when there were any.
std::optional<correlator::DecoderSet> loadDecodersOrReport(const config::HinomiConfig& cfg,
                                                          const std::vector<std::string>& extra_dirs);

// The rule folders a subcommand loads: the config's correlator.rules, then --rules; with --rules
// but no -c, only those (the embedded config's relative config/rules means the working
// directory, rarely what a look at another folder wants).
std::vector<std::string> rulePaths(const config::HinomiConfig& cfg, bool config_given,
                                   const std::vector<std::string>& extra_dirs);

// The tenant policies of cfg.tenants (docs/policy.md). Prints every error as FILE:LINE:COL: error:
// … and a count to stderr; nullopt when there were any.
std::optional<correlator::TenantPolicies> loadTenantPoliciesOrReport(const config::HinomiConfig& cfg);

}  // namespace hinomi::cli
