#include "collector/tenant_resolver.h"

#include <arpa/inet.h>

#include <algorithm>

namespace hinomi::collector {
namespace {

// Parses an address into (family, bytes); IPv4-mapped IPv6 becomes IPv4.
bool parseAddress(const std::string& text, int& family, std::array<uint8_t, 16>& bytes) {
  bytes.fill(0);
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    family = 4;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped, kMapped + 12, bytes.begin())) {
      std::copy(bytes.begin() + 12, bytes.end(), bytes.begin());
      std::fill(bytes.begin() + 4, bytes.end(), 0);
      family = 4;
    } else {
      family = 6;
    }
    return true;
  }
  return false;
}

bool matches(const std::array<uint8_t, 16>& addr, const std::array<uint8_t, 16>& prefix, int bits) {
  int full = bits / 8;
  if (!std::equal(prefix.begin(), prefix.begin() + full, addr.begin())) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (addr[size_t(full)] & mask) == (prefix[size_t(full)] & mask);
}

}  // namespace

TenantResolver::TenantResolver(std::string fallback, const std::vector<config::TenantRoute>& routes)
    : fallback_(std::move(fallback)) {
  for (const auto& r : routes) {
    Prefix p;
    auto slash = r.cidr.find('/');
    if (!parseAddress(r.cidr.substr(0, slash), p.family, p.bytes)) continue;
    p.bits = slash == std::string::npos ? (p.family == 4 ? 32 : 128) : std::stoi(r.cidr.substr(slash + 1));
    p.tenant = r.tenant;
    prefixes_.push_back(std::move(p));
  }
  std::stable_sort(prefixes_.begin(), prefixes_.end(), [](const Prefix& a, const Prefix& b) { return a.bits > b.bits; });
}

const std::string& TenantResolver::resolve(std::string_view peer) const {
  if (prefixes_.empty()) return fallback_;
  int family;
  std::array<uint8_t, 16> addr;
  if (!parseAddress(std::string(peer), family, addr)) return fallback_;
  for (const auto& p : prefixes_)
    if (p.family == family && matches(addr, p.bytes, p.bits)) return p.tenant;
  return fallback_;
}

}  // namespace hinomi::collector
