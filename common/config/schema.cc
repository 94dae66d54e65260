#include "common/config/schema.h"

#include <algorithm>
#include <cstdlib>

namespace hinomi::config {
namespace {

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string suggestKey(const std::string& key, const std::vector<std::string>& known) {
  std::string best;
  size_t best_d = std::max<size_t>(2, key.size() / 3) + 1;
  for (const auto& k : known) {
    size_t d = editDistance(key, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  if (best.empty()) {
    std::string all;
    for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
    return all.empty() ? "" : " (known keys: " + all + ")";
  }
  return " (did you mean '" + best + "'?)";
}

std::string expandEnv(const std::string& value, const YAML::Node& node, Diagnostics& diag) {
  std::string out;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t start = value.find("${", pos);
    if (start == std::string::npos) break;
    size_t end = value.find('}', start + 2);
    if (end == std::string::npos) break;
    out.append(value, pos, start - pos);
    std::string name = value.substr(start + 2, end - start - 2);
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) diag.error(node, "environment variable " + name + " is not set");
    else out += v;
    pos = end + 1;
  }
  out.append(value, pos, std::string::npos);
  return out;
}

std::string describeNode(const YAML::Node& node) {
  if (!node || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  return "'" + node.Scalar() + "'";
}

}  // namespace hinomi::config
