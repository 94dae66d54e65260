#pragma once
// The incident report of a case (a `report` step, the console's download): the four parts of the
// 緊急時対応計画 as they stand for this case — 報告すべき事項, 関係者の連絡先, what was done
// (対応状況, the incidents, the timeline) and the 再発防止 record — in Japanese for the 自治体's
// CSIRT or in English. Markdown to read or attach as it is; JSON with the same figures for tools.
// Times are Japan time (formatJst). Values from events are escaped in Markdown so that a crafted
// log line cannot break a table or put markup into the report.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "correlator/enrich/tenant_policy.h"
#include "correlator/incident.h"
#include "playbooks/case_record.h"
#include "playbooks/playbook.h"

namespace hinomi::playbooks {

enum class ReportLang { kJa, kEn };

struct ReportInput {
  const CaseRecord* kase = nullptr;                  // required
  const Playbook* playbook = nullptr;                // required
  const correlator::TenantPolicy* tenant = nullptr;  // may be null: contacts are then "not set"
  std::vector<correlator::Incident> incidents;       // the case's incidents, as stored (may be empty)
  int64_t generated_us = 0;
};

std::string reportMarkdown(const ReportInput& in, ReportLang lang);
// {lang, generated, title, case:{…}, report:[{id,label,value,source}], contacts:[…], steps:[…],
//  incidents:[…], timeline:[…], recurrence_prevention:{items:[…], complete, missing_required}}.
// `source` of a report item: "person" (report_values), "case" (its `from`) or "missing". The
// timeline is in time order (in both forms); every string is valid UTF-8 (invalid bytes from
// events become U+FFFD), so dump() cannot throw.
nlohmann::json reportJson(const ReportInput& in, ReportLang lang);

// `text` safe inside a Markdown table cell: \ | ` [ ] escaped, < > & as entities, line breaks as
// <br>, other control characters as spaces, invalid UTF-8 as U+FFFD. Emphasis characters (* _ ~)
// are left as they are: they can only style text, and escaping them would clutter names such as
// taro_yamada for a reader of the plain file.
std::string markdownCell(const std::string& text);

}  // namespace hinomi::playbooks
