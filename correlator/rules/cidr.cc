#include "correlator/rules/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace hinomi::rules {

std::optional<IpBytes> parseIp(std::string_view text) {
  std::string s(text);
  IpBytes out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    const auto* b = reinterpret_cast<const uint8_t*>(&v4.s_addr);
    for (int i = 0; i < 4; ++i) out[12 + i] = b[i];
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    for (int i = 0; i < 16; ++i) out[i] = v6.s6_addr[i];
    return out;
  }
  return std::nullopt;
}

std::optional<Cidr> parseCidr(std::string_view text) {
  auto slash = text.find('/');
  auto ip = parseIp(text.substr(0, slash));
  if (!ip) return std::nullopt;
  bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  int max_bits = v4 ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    auto rest = text.substr(slash + 1);
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), bits);
    if (ec != std::errc() || p != rest.data() + rest.size() || rest.empty() || bits < 0 ||
        bits > max_bits)
      return std::nullopt;
  }
  Cidr c;
  c.prefix_bits = v4 ? bits + 96 : bits;
  c.network = *ip;
  for (int i = 0; i < 128; ++i)
    if (i >= c.prefix_bits) c.network[i / 8] &= static_cast<uint8_t>(~(0x80u >> (i % 8)));
  return c;
}

bool Cidr::contains(const IpBytes& ip) const {
  int full = prefix_bits / 8;
  for (int i = 0; i < full; ++i)
    if (ip[i] != network[i]) return false;
  int rem = prefix_bits % 8;
  if (rem == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff00u >> rem);
  return (ip[full] & mask) == network[full];
}

}  // namespace hinomi::rules
