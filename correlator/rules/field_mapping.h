#pragma once
// Processing pipelines: per logsource (product / service / category), how Sigma field names map to
// hinomi's event fields, and which events such rules see at all ("routing"). One pipeline per YAML
// document, usually in a rules directory's pipelines/ folder:
//
//   name: linux-sshd
//   logsource: {product: linux, service: sshd}   # applies to rules whose logsource has these
//   route: {app: sshd}                            # optional: those rules only see these events
//   fields: {User: user.name, SourceIp: source.ip}
//
// For each rule the pipelines that apply are taken in load order; the first one that maps a field
// wins, and the first one with a route gives the route.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "correlator/rules/rule.h"
#include "correlator/rules/value_modifiers.h"

namespace hinomi::rules {

struct Pipeline {
  std::string name;
  LogSource logsource;  // empty members match any rule
  std::vector<std::pair<std::string, std::string>> fields;
  // field → any of values; a null value: the field is absent or empty (`observer.vendor: null`)
  std::vector<std::pair<std::string, std::vector<Value>>> route;
  Location location;
};

struct PipelineReadResult {
  std::vector<Pipeline> pipelines;
  std::vector<Error> errors;
};

PipelineReadResult readPipelineText(const std::string& text, const std::string& file);
PipelineReadResult readPipelineFile(const std::string& path);

// Does `p` apply to a rule with logsource `ls`? (Case-insensitive, every key p names must agree.)
bool applies(const Pipeline& p, const LogSource& ls);

// The event field a Sigma field name reads for rules of logsource `ls` (the first applying pipeline
// that maps it), or nullopt when none maps it.
std::optional<std::string> mapField(const std::vector<Pipeline>& pipelines, const LogSource& ls,
                                    const std::string& field);

// Maps the rule's field names and adds the route as a gate the condition must also pass. Returns
// the Sigma field names no applying pipeline mapped (for lint).
[[nodiscard]] Result<std::vector<std::string>> applyPipelines(const std::vector<Pipeline>& pipelines,
                                                              Rule& rule);

}  // namespace hinomi::rules
