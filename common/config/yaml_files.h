#pragma once
// Finding and reading the YAML files hinomi is configured with (decoders, rules, pipelines,
// fixtures, tenant policies): one walk and one read for every loader.

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace hinomi::config {

// Every *.yaml / *.yml regular file under `dir`, recursively (unreadable subfolders skipped), in
// path order. `ec` is set when listing failed; what was found before stays in the result.
std::vector<std::filesystem::path> yamlFilesUnder(const std::filesystem::path& dir, std::error_code& ec);

// The whole file as bytes; nullopt when it cannot be opened.
std::optional<std::string> readWholeFile(const std::filesystem::path& path);

}  // namespace hinomi::config
