#include "correlator/enrich/policy_enricher.h"

#include <optional>

namespace hinomi::correlator {
namespace {

// The address of a field the decoders set (a string, typed `ip`); nullopt for anything else.
std::optional<rules::IpBytes> address(const Fields& fields, const char* key) {
  const FieldValue* v = fields.find(key);
  if (v == nullptr || !v->isString()) return std::nullopt;
  return rules::parseIp(v->str());
}

// The zone of the machine the event is about: host.name (Windows and EDR events name the
// terminal) by the zones' host patterns, else host.ip, else the sender (a router without a
// hostname is known by its address).
int hostZone(const TenantPolicy& policy, const Event& event) {
  const FieldValue* name = event.fields.find("host.name");
  if (name && name->isString()) {
    int z = policy.zoneOfHost(name->str());
    if (z >= 0) return z;
  }
  if (auto ip = address(event.fields, "host.ip")) {
    int z = policy.table.lookup(*ip);
    if (z >= 0) return z;
  }
  int z = policy.zoneOfHost(event.host);
  if (z >= 0) return z;
  if (auto ip = rules::parseIp(event.host)) return policy.table.lookup(*ip);
  return -1;
}

void enrichZones(const TenantPolicy& policy, Event& event) {
  // Enrichment owns these names: a value that came with the event must not pass for the policy's.
  event.fields.erase(kSourceZoneField);
  event.fields.erase(kDestinationZoneField);
  event.fields.erase(kFlowAllowedField);
  event.fields.erase(kHostZoneField);

  auto src = address(event.fields, "source.ip");
  auto dst = address(event.fields, "destination.ip");
  int from = src ? policy.zoneOf(*src) : -1;
  int to = dst ? policy.zoneOf(*dst) : -1;
  if (from >= 0) event.fields[kSourceZoneField] = policy.zones[size_t(from)].name;
  if (to >= 0) event.fields[kDestinationZoneField] = policy.zones[size_t(to)].name;
  if (from >= 0 && to >= 0) event.fields[kFlowAllowedField] = policy.flowAllowed(from, to, *src, *dst);
  int host = hostZone(policy, event);
  if (host >= 0) event.fields[kHostZoneField] = policy.zones[size_t(host)].name;
}

}  // namespace

void enrichFromPolicy(const TenantPolicies& policies, Event& event) {
  if (policies.empty()) return;
  const TenantPolicy* policy = policies.find(event.tenant);
  if (!policy) return;
  if (policy->model != NetworkModel::kNone && !policy->zones.empty()) enrichZones(*policy, event);
  const TenantCalendar& cal = policy->calendar;
  if (cal.has_business_hours) event.fields[kBusinessHoursField] = cal.inBusinessHours(event.ts_us);
  if (cal.has_change_windows) event.fields[kChangeWindowField] = cal.inChangeWindow(event.ts_us);
}

}  // namespace hinomi::correlator
