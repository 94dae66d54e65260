#pragma once
// A playbook: one incident category's 緊急時対応計画 (domain.md §5) as the responder runs it — who
// to call (roles, resolved from the tenant), what the report must hold (報告すべき事項), the
// response steps by phase (連絡, 証拠保全, 被害拡大の防止, 復旧) and the recurrence-prevention
// record (再発防止) a case needs before it can close. Read by playbook_loader; immutable after.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace hinomi::playbooks {

enum class StepKind { kNotify, kEscalate, kEvidence, kApproval, kAction, kManual, kReport };
const char* stepKindName(StepKind kind);

// 報告すべき事項: one item of the incident report; `from` fills it from the case when set.
struct ReportItem {
  std::string id, label, label_en;
  std::string from;  // a placeholder path (case.first_ts, fields.host.name …), or empty: a person fills it
};

// One item of the 再発防止 record.
struct RecordItem {
  std::string id, label, label_en;
  bool required = true;
};

struct HttpCall {
  std::string method = "POST";
  std::string url;                             // http(s)://… or ${env:NAME}…
  std::map<std::string, std::string> headers;  // values may be templates
  nlohmann::json body;                         // null: no body; string values may be templates
};

// A program run directly (execve): argv[0] an absolute path, never a shell string.
struct ProgramRun {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
};

struct Step {
  std::string id;
  std::string phase;               // 検知 連絡 証拠保全 被害拡大の防止 復旧 再発防止
  StepKind kind = StepKind::kManual;
  std::vector<std::string> after;  // earlier steps that must be done first
  Location location;
  // notify, escalate
  std::vector<std::string> to;        // roles
  std::vector<std::string> then;      // escalate: the next roles when still not acknowledged
  std::vector<std::string> channels;  // notify: email, webhook, chat
  std::string subject;                // notify: a template
  // evidence: raw events from this long before the case's first incident
  int64_t before_secs = 0;
  // approval
  std::string role;
  std::string on_timeout;  // skip | proceed | escalate
  // approval, action
  int64_t timeout_secs = 0;
  // action
  std::string target;  // a template; the containment allowlist is checked against it
  std::optional<HttpCall> http;
  std::optional<ProgramRun> program;
  // manual
  std::string text, text_en;
};

struct Playbook {
  std::string id;  // pb1 … (unique)
  std::string title, title_en;
  Location location;
  std::vector<std::string> match_tags;     // any one selects it
  std::vector<std::string> match_levels;   // empty: every level
  std::vector<std::string> match_tenants;  // empty: every tenant
  std::vector<std::string> group_by;       // case aggregation
  int64_t window_secs = 86400;
  std::vector<std::string> contacts;  // roles
  std::vector<ReportItem> report;
  std::vector<Step> steps;
  std::vector<RecordItem> recurrence_prevention;
  bool dry_run = false;

  // Whether an incident with these rule tags, level and tenant selects this playbook.
  bool matches(const std::vector<std::string>& tags, const std::string& level, const std::string& tenant) const;
};

}  // namespace hinomi::playbooks
