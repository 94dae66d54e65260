#include "playbooks/case_context.h"

#include "common/time.h"

namespace hinomi::playbooks {

std::string formatJst(int64_t micros) {
  if (micros == 0) return "";
  constexpr int64_t kJst = 9LL * 3600 * 1000000;
  std::string s = formatRfc3339(micros - micros % 1000000 + kJst);  // "…T10:15:00.000000Z"
  return s.substr(0, 19) + "+09:00";
}

int64_t caseLastTs(const CaseRecord& c) {
  int64_t last = c.first_ts_us;
  for (const auto& t : c.timeline)
    if (t.kind == "incident" && t.ts_us > last) last = t.ts_us;
  return last;
}

std::string caseValue(const CaseRecord& c, const correlator::TenantPolicy* tenant, const std::string& path) {
  if (path.rfind("fields.", 0) == 0) {
    auto it = c.fields.find(path.substr(7));
    if (it == c.fields.end()) return "";
    return it->is_string() ? it->get<std::string>() : it->dump();
  }
  if (path == "case.id") return c.id;
  if (path == "case.first_ts") return formatJst(c.first_ts_us);
  if (path == "case.last_ts") return formatJst(caseLastTs(c));
  if (path == "case.level") return c.level;
  if (path == "case.playbook") return c.playbook;
  if (path == "case.state") return c.state;
  if (path == "case.incidents") return std::to_string(c.incident_ids.size());
  if (path == "incident.title") return c.title;
  if (path == "incident.level") return c.level;
  if (path == "incident.rule_id") return c.rule_id;
  if (path == "incident.id") return c.incident_ids.empty() ? "" : c.incident_ids.front();
  if (path == "tenant.id") return c.tenant;
  if (path == "tenant.name") return tenant && !tenant->name.empty() ? tenant->name : c.tenant;
  return "";
}

std::function<std::string(const std::string&)> caseLookup(const CaseRecord& c, const correlator::TenantPolicy* tenant) {
  return [&c, tenant](const std::string& path) { return caseValue(c, tenant, path); };
}

}  // namespace hinomi::playbooks
