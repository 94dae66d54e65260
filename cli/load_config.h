#pragma once
// Shared by the subcommands: load -c FILE (or the compiled-in default), print every error.

#include <optional>
#include <string>

#include "common/config/hinomi_config.h"
#include "correlator/enrich/tenant_policy.h"

namespace hinomi::cli {

// Prints errors to stderr as FILE:LINE:COL: error: …; nullopt when there were any.
// An empty `path` means the embedded default. `data_dir`, when set, overrides data_dir.
std::optional<config::HinomiConfig> loadConfigOrReport(const std::string& path, const std::string& data_dir);

// The tenant policies of cfg.tenants (docs/policy.md). Prints every error as FILE:LINE:COL: error:
// … and a count to stderr; nullopt when there were any.
std::optional<correlator::TenantPolicies> loadTenantPoliciesOrReport(const config::HinomiConfig& cfg);

}  // namespace hinomi::cli
