#include "correlator/enrich/zone_enricher.h"

#include <optional>

namespace hinomi::correlator {
namespace {

// The address of a field the decoders set (a string, typed `ip`); nullopt for anything else.
std::optional<rules::IpBytes> address(const Fields& fields, const char* key) {
  const FieldValue* v = fields.find(key);
  if (v == nullptr || !v->isString()) return std::nullopt;
  return rules::parseIp(v->str());
}

}  // namespace

void enrichZones(const TenantPolicies& policies, Event& event) {
  if (policies.empty()) return;
  const TenantPolicy* policy = policies.find(event.tenant);
  if (!policy || policy->model == NetworkModel::kNone || policy->table.empty()) return;
  // Enrichment owns these names: a value that came with the event must not pass for the policy's.
  event.fields.erase(kSourceZoneField);
  event.fields.erase(kDestinationZoneField);
  event.fields.erase(kFlowAllowedField);

  auto src = address(event.fields, "source.ip");
  auto dst = address(event.fields, "destination.ip");
  int from = src ? policy->zoneOf(*src) : -1;
  int to = dst ? policy->zoneOf(*dst) : -1;
  if (from >= 0) event.fields[kSourceZoneField] = policy->zones[size_t(from)].name;
  if (to >= 0) event.fields[kDestinationZoneField] = policy->zones[size_t(to)].name;
  if (from >= 0 && to >= 0) event.fields[kFlowAllowedField] = policy->flowAllowed(from, to, *src, *dst);
}

}  // namespace hinomi::correlator
