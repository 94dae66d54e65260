#pragma once
// Per-tenant network policies (docs/policy.md): each tenant's zones (CIDRs, resolved by
// longest-prefix match) and which zone pairs may talk. Read from YAML, one tenant per file, with
// every problem collected as FILE:LINE:COL before refusing; once loaded the model is immutable and
// every lookup is const, so one TenantPolicies serves any number of threads.
//
//   auto load = loadTenantDirectories(cfg.tenants, /*missing_ok=*/!cfg.tenants_in_file);
//   if (!load.ok()) { print load.errorText(); exit 2; }
//   enrichFromPolicy(load.policies, event);   // policy_enricher.h

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config/diagnostics.h"
#include "common/result.h"
#include "correlator/enrich/tenant_calendar.h"
#include "correlator/enrich/tenant_contacts.h"
#include "correlator/rules/cidr.h"

namespace hinomi::correlator {

enum class NetworkModel { kNone, kTwoTier, kThreeTier };
// Where a three-tier tenant's main terminals sit (domain.md §3): α / α′ in LGWAN接続系, β / β′ in
// インターネット接続系. It decides which screen-transfer direction is normal; the tenant's flows say so.
enum class TerminalModel { kUnset, kAlpha, kAlphaPrime, kBeta, kBetaPrime };
const char* terminalModelName(TerminalModel m);

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
  std::vector<std::string> hosts;  // host-name patterns (lower case, * and ?) whose events are in it
};

// Whether `name` matches the glob `pattern` (`*` any run, `?` one byte), ASCII case-insensitive;
// the pattern is lower case.
bool hostPatternMatches(std::string_view pattern, std::string_view name);

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
  TerminalModel terminals = TerminalModel::kUnset;
  std::string security_cloud;  // the 自治体情報セキュリティクラウド it joins; empty: none
  bool example = false;        // the file's networks and contacts are placeholders
  std::vector<Zone> zones;
  std::vector<FlowRule> flows;
  int outside_zone = -1;  // zone of addresses in no network (outside_zone:), or -1: none
  // Which log senders belong to this tenant, for tools that read files (hinomi replay).
  std::vector<std::string> sender_hosts;  // lower-case host-name patterns
  std::vector<rules::Cidr> sender_cidrs;
  TenantCalendar calendar;
  TenantContacts contacts;
  std::vector<std::string> playbooks;  // the playbooks of its 緊急時対応計画 (config/playbooks ids)
  Location location;  // where the file starts
  PrefixTable table;  // address → zone index

  // Index of the zone holding `ip` (longest prefix; else the outside zone), or -1.
  int zoneOf(const rules::IpBytes& ip) const {
    int z = table.lookup(ip);
    return z >= 0 ? z : outside_zone;
  }
  // Index of the zone whose host patterns match `host` (first zone, first pattern), or -1.
  int zoneOfHost(std::string_view host) const;
  // Whether an event from `host` (a name or an address) was sent by this tenant.
  bool sentBy(std::string_view host) const;
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
  // The first tenant (by id) whose senders match `host`, or nullptr.
  const TenantPolicy* bySender(std::string_view host) const;
  bool anySenders() const { return any_senders_; }
  // bySender's tenant id, or "default" (what listeners without a tenant assign).
  std::string tenantOfSender(std::string_view host) const {
    const TenantPolicy* p = bySender(host);
    return p ? p->tenant : std::string("default");
  }
  const std::map<std::string, TenantPolicy, std::less<>>& all() const { return by_tenant_; }

 private:
  friend class TenantPolicyLoader;
  std::map<std::string, TenantPolicy, std::less<>> by_tenant_;
  bool any_senders_ = false;
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
