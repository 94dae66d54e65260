#include "common/config/yaml_files.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hinomi::config {
namespace fs = std::filesystem;

std::vector<fs::path> yamlFilesUnder(const fs::path& dir, std::error_code& ec) {
  std::vector<fs::path> found;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    const auto& p = it->path();
    if (it->is_regular_file(type_ec) && (p.extension() == ".yaml" || p.extension() == ".yml")) found.push_back(p);
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::optional<std::string> readWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  return std::move(buf).str();
}

}  // namespace hinomi::config
