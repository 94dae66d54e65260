#pragma once
// Collects every config error with its FILE:LINE:COL before anything refuses to start.

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/result.h"

namespace hinomi::config {

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  // yaml-cpp marks are 0-based; people count from 1.
  void error(const YAML::Mark& mark, std::string message);
  void error(const YAML::Node& node, std::string message);

  const std::string& file() const { return file_; }
  const std::vector<Error>& errors() const { return errors_; }
  bool ok() const { return errors_.empty(); }
  // Every error, one "FILE:LINE:COL: error: message" per line.
  std::string toString() const;

 private:
  std::string file_;
  std::vector<Error> errors_;
};

}  // namespace hinomi::config
