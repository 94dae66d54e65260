#pragma once
// The values a playbook template may name ({{case.id}}, {{fields.host.name}} …, template_text.h),
// taken from a case and its tenant. Times are shown in Japan time (+09:00), the time the people
// reading the notifications and reports work in.

#include <cstdint>
#include <functional>
#include <string>

#include "correlator/enrich/tenant_policy.h"
#include "playbooks/case_record.h"

namespace hinomi::playbooks {

// "2026-12-09T10:15:00+09:00" (seconds; 0 gives "").
std::string formatJst(int64_t micros);

// The value of one placeholder path, "" when the case has none. `tenant` may be null.
std::string caseValue(const CaseRecord& c, const correlator::TenantPolicy* tenant, const std::string& path);

// caseValue bound to one case, for renderTemplate.
std::function<std::string(const std::string&)> caseLookup(const CaseRecord& c, const correlator::TenantPolicy* tenant);

// Event time of the case's last incident (its first when it has one).
int64_t caseLastTs(const CaseRecord& c);

}  // namespace hinomi::playbooks
