#pragma once
// Rule fixtures: per rule, log lines or events that must raise its incident and near misses that
// must not. They live in sidecar YAML files under a folder named `tests` inside a rules directory
// (the rule loader skips those folders), so Sigma rule files stay as SigmaHQ would take them.
// docs/rules.md, "Testing rules (fixtures)", gives the format:
//
//   rule: <rule id>
//   tenant: default          # optional
//   fire:    [{line: "<38>Nov 23 10:00:01 web1 sshd[811]: Failed password for …"}]
//   no_fire: [{event: {app: sshd, message: "…", fields: {source.ip: 10.0.0.1}}}]
//
// A correlation rule's fixture is a timed script instead: its cases are fed in order (their event
// times are the script's clock) and the correlation's incidents must be those expected, in order:
//
//   rule: <correlation id>
//   script: [{line: "…"}, {line: "…"}, …]
//   expect: [{group: {source.ip: 203.0.113.9}, event_count: 5}]   # [] = must raise none
//
// Unknown keys are errors, so the format can grow (timed scripts for correlations) without a
// fixture written today meaning something else tomorrow.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"
#include "common/result.h"

namespace hinomi::rules {

struct FixtureCase {
  enum class Kind { kLine, kEvent };
  Kind kind = Kind::kLine;
  bool expect_fire = true;  // under `fire` (else `no_fire`)
  std::string line;         // kLine: parsed (format auto) and decoded as `hinomi decode` does
  Event event;              // kEvent: taken as already decoded and matched as written
  Location location;        // the case's entry in its list
};

// One incident a script must raise; the keys given must match, the others are not checked.
struct ExpectedIncident {
  std::optional<uint64_t> event_count;
  nlohmann::json group;  // null: any
  Location location;
};

struct RuleFixture {
  std::string rule_id;
  std::string tenant = "default";
  std::vector<FixtureCase> cases;   // fire / no_fire
  bool has_script = false;          // a correlation's script (cases below, in order) and expect
  std::vector<FixtureCase> script;
  std::vector<ExpectedIncident> expect;
  Location location;  // the `rule` key
};

struct FixtureLoad {
  std::vector<RuleFixture> fixtures;
  std::vector<Error> errors;  // each located FILE:LINE:COL; a document with errors is dropped
  size_t files = 0;
};

// One file's text (one or more YAML documents, a fixture each); `file` names it in locations.
FixtureLoad readFixtureText(std::string_view text, const std::string& file);
// Every *.yml / *.yaml under a `tests` folder of each directory in `rule_paths` (recursively, in
// path order). Paths that are files or missing hold no fixtures (the rule loader reports those).
FixtureLoad loadFixtures(const std::vector<std::string>& rule_paths);

}  // namespace hinomi::rules
