#pragma once
// Per-tenant network policies (docs/policy.md): each tenant's zones (CIDRs, resolved by
// longest-prefix match) and which zone pairs may talk. Read from YAML, one tenant per file, with
// every problem collected as FILE:LINE:COL before refusing; once loaded the model is immutable and
// every lookup is const, so one TenantPolicies serves any number of threads.
//
//   auto load = loadTenantDirectories(cfg.tenants, /*missing_ok=*/!cfg.tenants_in_file);
//   if (!load.ok()) { print load.errorText(); exit 2; }
//   enrichZones(load.policies, event);   // zone_enricher.h

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config/diagnostics.h"
#include "common/result.h"
#include "correlator/rules/cidr.h"

namespace hinomi::correlator {

enum class NetworkModel { kNone, kTwoTier, kThreeTier };

// Longest-prefix match from an address (16 bytes; IPv4 as IPv4-mapped IPv6, so IPv4 networks also
// match ::ffff:a.b.c.d) to a value. One sorted table per prefix length present, probed from the
// longest: a tenant has a handful of distinct lengths, so a lookup is a few binary searches.
class PrefixTable {
 public:
  // False when exactly this network is already in the table (the existing value is kept).
  bool insert(const rules::Cidr& cidr, int value);
  // The value of the longest network containing `ip`, or -1.
  int lookup(const rules::IpBytes& ip) const;
  // The value stored for exactly this network, or -1.
  int exact(const rules::Cidr& cidr) const;
  bool empty() const { return levels_.empty(); }

 private:
  struct Level {
    int bits = 0;
    std::vector<std::pair<rules::IpBytes, int>> entries;  // sorted by network
  };
  std::vector<Level> levels_;  // longest prefix first
};

struct Zone {
  std::string name;  // what rules compare source.zone / destination.zone with
  std::string tier;  // free-text label (マイナンバー利用事務系 …)
  std::vector<rules::Cidr> cidrs;
};

// Traffic from zone `from` to zone `to` is allowed; with `via`, only when the source or the
// destination address is in one of those networks (a 無害化 gateway, a screen-transfer server).
struct FlowRule {
  int from = -1;  // index into TenantPolicy::zones
  int to = -1;
  std::vector<rules::Cidr> via;
};

struct TenantPolicy {
  std::string tenant;  // the id events carry
  std::string name;    // display name
  NetworkModel model = NetworkModel::kNone;
  std::vector<Zone> zones;
  std::vector<FlowRule> flows;
  Location location;  // where the file starts
  PrefixTable table;  // address → zone index

  // Index of the zone holding `ip` (longest prefix), or -1.
  int zoneOf(const rules::IpBytes& ip) const { return table.lookup(ip); }
  // Whether traffic between two known zones is allowed: the same zone always is; otherwise a flow
  // rule for (from, to) must exist and, when it has `via`, src or dst must be one of those hosts.
  bool flowAllowed(int from, int to, const rules::IpBytes& src, const rules::IpBytes& dst) const;
};

class TenantPolicies {
 public:
  // The policy of `tenant`, or nullptr when it has none.
  const TenantPolicy* find(std::string_view tenant) const;
  size_t size() const { return by_tenant_.size(); }
  bool empty() const { return by_tenant_.empty(); }

 private:
  friend class TenantPolicyLoader;
  std::map<std::string, TenantPolicy, std::less<>> by_tenant_;
};

struct TenantPolicyLoad {
  TenantPolicies policies;  // usable only when ok()
  std::vector<Error> errors;
  bool ok() const { return errors.empty(); }
  // "FILE:LINE:COL: error: message" per line.
  std::string errorText() const;
};

class TenantPolicyLoader {
 public:
  // Every *.yaml / *.yml under `dir` (recursively), in path order. A missing directory is an error
  // unless `missing_ok` (the default directory of a config that does not name one).
  void addDirectory(const std::string& dir, bool missing_ok = false);
  void addFile(const std::string& path);
  // One file's text; `file` names it in errors.
  void addText(const std::string& text, const std::string& file);

  TenantPolicyLoad finish() &&;

 private:
  std::optional<TenantPolicy> loadPolicy(const YAML::Node& root, config::Diagnostics& diag);

  TenantPolicies policies_;
  std::vector<Error> errors_;
};

// The policies of `dirs`, in that order.
TenantPolicyLoad loadTenantDirectories(const std::vector<std::string>& dirs, bool missing_ok = false);

}  // namespace hinomi::correlator
