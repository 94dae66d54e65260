#include "common/config/diagnostics.h"

namespace hinomi::config {

void Diagnostics::error(const YAML::Node& node, std::string message) {
  YAML::Mark mark = YAML::Mark::null_mark();
  try {
    if (node.IsDefined()) mark = node.Mark();
  } catch (const YAML::Exception&) {
    // An invalid node has no position; the error is still reported, at the top of the file.
  }
  error(mark, std::move(message));
}

void Diagnostics::error(const YAML::Mark& mark, std::string message) {
  Location loc{file_, mark.is_null() ? 1 : mark.line + 1, mark.is_null() ? 1 : mark.column + 1};
  errors_.push_back(Error{ErrorCode::kConfig, std::move(message), std::move(loc)});
}

std::string Diagnostics::toString() const {
  std::string out;
  for (const auto& e : errors_) out += e.toString() + "\n";
  return out;
}

}  // namespace hinomi::config
