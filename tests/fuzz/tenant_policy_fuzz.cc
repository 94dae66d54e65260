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
      for (int64_t ts : {int64_t(0), int64_t(-1), int64_t(1765000000123456), INT64_MIN / 2}) {
        hinomi::Event event;
        event.tenant = tenant;
        event.ts_us = ts;
        event.host = src;
        event.fields["source.ip"] = src;
        event.fields["destination.ip"] = "10.30.0.8";
        event.fields["host.name"] = "MN-PC012.example.lg.jp";
        hinomi::correlator::enrichFromPolicy(load.policies, event);
        for (const char* key : {"flow.allowed", "tenant.business_hours", "tenant.change_window"}) {
          const hinomi::FieldValue* v = event.fields.find(key);
          if (v != nullptr && !v->isBool()) __builtin_trap();
        }
      }
    }
  }
  for (const char* host : {"", "katsuragi-fw01", "10.11.0.1", "*", "a.b.c"})
    (void)load.policies.tenantOfSender(host);
  return 0;
}
