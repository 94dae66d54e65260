#pragma once
// A case: the unit SOC staff work. Related incidents (same tenant, same playbook, same values of the
// playbook's case.group_by, within its case.window of the first) join one case, whose timeline
// lists what happened. Stored as JSON by CaseStore.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace hinomi::playbooks {

struct TimelineEntry {
  int64_t ts_us = 0;
  std::string kind;  // incident (later: step, acknowledged, comment …)
  std::string ref;   // the incident id, step id …
  std::string text;
};

struct CaseRecord {
  std::string id;  // stable: the same first incident gives the same case id after a restart
  std::string tenant;
  std::string playbook;
  nlohmann::json group = nlohmann::json::object();  // case.group_by field → value
  std::string level;                                // the highest level of its incidents
  std::string state = "open";
  int64_t first_ts_us = 0;   // event time of its first incident
  int64_t window_end_us = 0; // incidents up to here join it
  int64_t opened_us = 0;     // when the responder opened it
  std::vector<std::string> incident_ids;
  std::vector<TimelineEntry> timeline;

  nlohmann::json toJson() const;
  static Result<CaseRecord> fromJson(const std::string& text);
};

// critical 4 … informational 0; unknown -1.
int levelRank(const std::string& level);

}  // namespace hinomi::playbooks
