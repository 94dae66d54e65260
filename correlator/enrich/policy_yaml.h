#pragma once
// Small readers shared by the parts of a tenant policy file (zones, calendar, contacts): each
// reports what is wrong at the node's FILE:LINE:COL and lets the loader go on collecting errors.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config/diagnostics.h"

namespace hinomi::correlator::policy_yaml {

// An error per key of `n` not in `known` (with a "did you mean" suggestion); false if any.
bool checkKeys(const YAML::Node& n, const std::vector<std::string>& known, config::Diagnostics& d,
               const std::string& what);

// parent[key] as a non-empty string scalar; an error otherwise (a missing key is reported at parent).
bool text(const YAML::Node& parent, const char* key, config::Diagnostics& d, const std::string& what,
          std::string& out);

// "90s", "30m", "1h", "2d" (or a bare number of seconds) as seconds; nullopt when malformed.
std::optional<int64_t> durationSeconds(const std::string& s);

// "HH:MM" (00:00–24:00) as minutes since midnight; nullopt when malformed.
std::optional<int> clockMinutes(const std::string& s);

// "YYYY-MM-DD" as days since 1970-01-01; nullopt when malformed or not a calendar date.
std::optional<int64_t> calendarDay(const std::string& s);

}  // namespace hinomi::correlator::policy_yaml
