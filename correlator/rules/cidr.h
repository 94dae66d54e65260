#pragma once
// IPv4 / IPv6 networks for the `|cidr` modifier. Addresses are kept as 16 bytes (IPv4 as
// IPv4-mapped IPv6), so "10.0.0.0/8" also matches "::ffff:10.1.2.3".

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hinomi::rules {

using IpBytes = std::array<uint8_t, 16>;

struct Cidr {
  IpBytes network{};
  int prefix_bits = 0;  // over the 128-bit form

  bool contains(const IpBytes& ip) const;
};

// "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"; nullopt for anything else.
std::optional<IpBytes> parseIp(std::string_view text);
// "10.0.0.0/8", "2001:db8::/32", or a bare address (a host network).
std::optional<Cidr> parseCidr(std::string_view text);

}  // namespace hinomi::rules
