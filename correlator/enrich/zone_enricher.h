#pragma once
// Zone enrichment (docs/policy.md): from the event's tenant policy, the zones of source.ip and
// destination.ip and whether the policy allows that flow, as ordinary fields rules can match —
// so one rule (`source.zone: internet`, `flow.allowed: false`) serves every tenant.

#include "common/event.h"
#include "correlator/enrich/tenant_policy.h"

namespace hinomi::correlator {

// The field names enrichment owns.
inline constexpr const char* kSourceZoneField = "source.zone";
inline constexpr const char* kDestinationZoneField = "destination.zone";
inline constexpr const char* kFlowAllowedField = "flow.allowed";

// When the event's tenant has a policy with zones: removes whatever source.zone, destination.zone
// and flow.allowed the event held, then sets source.zone / destination.zone (the zone name) for an
// address that falls in a zone, and flow.allowed (a boolean) when both are known. A tenant without a
// policy, or with model none, leaves the event untouched. Const on an immutable policy set: safe
// to call from any number of threads at once.
void enrichZones(const TenantPolicies& policies, Event& event);

}  // namespace hinomi::correlator
