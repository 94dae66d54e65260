#pragma once
// Shared by the subcommands: load -c FILE (or the compiled-in default), print every error.

#include <optional>
#include <string>

#include "common/config/hinomi_config.h"

namespace hinomi::cli {

// Prints errors to stderr as FILE:LINE:COL: error: …; nullopt when there were any.
// An empty `path` means the embedded default. `data_dir`, when set, overrides data_dir.
std::optional<config::HinomiConfig> loadConfigOrReport(const std::string& path, const std::string& data_dir);

}  // namespace hinomi::cli
