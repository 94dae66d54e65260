#pragma once
// Which tenant a message belongs to: by the sender's address (longest matching prefix among the
// listener's tenant_by_source routes), else the listener's fixed tenant.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/collector_options.h"

namespace hinomi::collector {

class TenantResolver {
 public:
  // Routes were validated by the config loader; an unparsable one is ignored.
  TenantResolver(std::string fallback, const std::vector<config::TenantRoute>& routes);

  // `peer` is an address as sources report it ("10.1.2.3", "2001:db8::1"); IPv4-mapped IPv6 is
  // matched as IPv4.
  const std::string& resolve(std::string_view peer) const;

 private:
  struct Prefix {
    int family = 0;  // 4 or 6
    std::array<uint8_t, 16> bytes{};
    int bits = 0;
    std::string tenant;
  };
  std::string fallback_;
  std::vector<Prefix> prefixes_;  // sorted longest first, so the first match wins
};

}  // namespace hinomi::collector
