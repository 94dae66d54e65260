// Any bytes as a tenant policy file: loading collects located errors, never crashes or throws; a
// policy that loads answers lookups and enriches an event.
#include <cstdint>
#include <string>

#include "correlator/enrich/tenant_policy.h"
#include "correlator/enrich/policy_enricher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hinomi::correlator::TenantPolicyLoader loader;
  loader.addText(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  auto load = std::move(loader).finish();
  for (const auto& e : load.errors)
    if (e.location.line < 1 || e.location.column < 1) __builtin_trap();
  if (!load.ok()) return 0;
  for (const char* tenant : {"default", "katsuragi", "t"}) {
    for (const char* src : {"10.20.5.10", "10.30.0.1", "::ffff:10.10.1.1", "2001:db8:30::1"}) {
      hinomi::Event event;
      event.tenant = tenant;
      event.fields["source.ip"] = src;
      event.fields["destination.ip"] = "10.30.0.8";
      hinomi::correlator::enrichFromPolicy(load.policies, event);
      const hinomi::FieldValue* allowed = event.fields.find("flow.allowed");
      if (allowed != nullptr && !allowed->isBool()) __builtin_trap();
    }
  }
  return 0;
}
