#pragma once
// YAML::LoadAll without the hang. yaml-cpp 0.7 (Debian bookworm) loops forever, allocating, on
// some malformed streams (27 bytes such as ",--\n---\n!binary x\n---\n- a" — found by
// sigma_rule_fuzz; upstream jbeder/yaml-cpp#1319): HandleNextDocument keeps reporting a document
// without consuming input. A first pass with an event handler that builds nothing counts the
// documents and gives up once there are more than the text could hold; only a stream that passes
// is loaded. Rule, pipeline and fixture files go through here.

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace hinomi::config {

// As YAML::LoadAll; throws YAML::ParserException (with the mark where the parser stuck) for the
// streams yaml-cpp cannot finish, as it does for other syntax errors.
std::vector<YAML::Node> loadAllDocuments(const std::string& text);

}  // namespace hinomi::config
