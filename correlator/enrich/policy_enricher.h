#pragma once
// Policy enrichment (docs/policy.md): from the event's tenant policy, the zones of source.ip,
// destination.ip and the event's host, whether the policy allows that flow, and whether the event
// time falls in the tenant's business hours or a change window — ordinary fields rules can match,
// so one rule (`source.zone: internet`, `flow.allowed: false`) serves every tenant.

#include "common/event.h"
#include "correlator/enrich/tenant_policy.h"

namespace hinomi::correlator {

// The field names enrichment owns.
inline constexpr const char* kSourceZoneField = "source.zone";
inline constexpr const char* kDestinationZoneField = "destination.zone";
inline constexpr const char* kFlowAllowedField = "flow.allowed";
inline constexpr const char* kHostZoneField = "host.zone";
inline constexpr const char* kBusinessHoursField = "tenant.business_hours";
inline constexpr const char* kChangeWindowField = "tenant.change_window";

// When the event's tenant has a policy:
// - with zones: removes whatever source.zone, destination.zone, host.zone and flow.allowed the
//   event held, then sets the zone name of each address (and of the host) that falls in a zone,
//   and flow.allowed (a boolean) when both ends are known;
// - with business_hours / change_windows: replaces tenant.business_hours / tenant.change_window
//   with the verdict for the event's time.
// A tenant without a policy is left untouched. Const on an immutable policy set: safe to call from
// any number of threads at once.
void enrichFromPolicy(const TenantPolicies& policies, Event& event);

}  // namespace hinomi::correlator
