#pragma once
// A case: the unit SOC staff work. Related incidents (same tenant, same playbook, same values of the
// playbook's case.group_by, within its case.window of the first) join one case, whose timeline
// lists what happened. It also carries the run of its playbook — one StepRun per step — so the
// responder's state is one record, written whole with sync: after a crash the engine resumes from
// exactly what the record says. Stored as JSON by CaseStore.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace hinomi::playbooks {

struct TimelineEntry {
  int64_t ts_us = 0;
  std::string kind;  // incident, step, acknowledged, approved, comment, closed …
  std::string ref;   // the incident id, step id …
  std::string text;
};

// Where one step of the case's playbook stands. States:
//   pending   its `after` steps are not done yet
//   waiting   for a person (approval, manual) or a deadline (escalate)
//   running   a side effect was started (found so after a crash: in doubt, sent again with the
//             same idempotency key)
//   retry     the last attempt failed; tried again at next_us
//   done, failed, skipped, refused (containment allowlist), denied (approval), dry_run
struct StepRun {
  std::string state = "pending";
  int attempts = 0;
  int64_t next_us = 0;      // retry: when; waiting approval: its timeout; escalate: next deadline
  int64_t started_us = 0;   // first attempt, or when it began waiting
  int64_t finished_us = 0;
  std::string by;           // the person who approved, denied or completed it
  std::string note;         // outcome, error or reason, for people
  std::vector<std::string> delivered;  // notify / escalate: deliveries done (their keys' suffixes)
  nlohmann::json result = nlohmann::json::object();  // status, exit code, output, manifest …

  bool finished() const;    // done, failed, skipped, refused, denied or dry_run
  bool succeeded() const;   // done or dry_run: what waits on it may go on
};

struct CaseRecord {
  std::string id;  // stable: the same first incident gives the same case id after a restart
  std::string tenant;
  std::string playbook;
  nlohmann::json group = nlohmann::json::object();  // case.group_by field → value
  std::string level;                                // the highest level of its incidents
  std::string state = "open";                       // open, acknowledged, closed
  int64_t first_ts_us = 0;   // event time of its first incident
  int64_t window_end_us = 0; // incidents up to here join it
  int64_t opened_us = 0;     // when the responder opened it
  std::vector<std::string> incident_ids;
  std::vector<TimelineEntry> timeline;
  // The first incident, for templates and the report: rule, title and the triggering event's fields.
  std::string rule_id, title;
  nlohmann::json fields = nlohmann::json::object();

  std::map<std::string, StepRun> steps;  // step id → its run
  int64_t acknowledged_us = 0;
  std::string acknowledged_by;
  std::string assignee;
  int64_t contained_us = 0;  // when the last 被害拡大の防止 step finished well
  int64_t closed_us = 0;
  std::string closed_by;
  nlohmann::json record = nlohmann::json::object();         // 再発防止: item id → text
  nlohmann::json report_values = nlohmann::json::object();  // 報告すべき事項 filled by people: item id → text
  int64_t next_us = 0;  // when the engine must look at the case again (0: nothing pending in time)

  nlohmann::json toJson() const;
  static Result<CaseRecord> fromJson(const std::string& text);
};

// critical 4 … informational 0; unknown -1.
int levelRank(const std::string& level);

}  // namespace hinomi::playbooks
