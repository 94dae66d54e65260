#include "correlator/enrich/tenant_policy.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/config/schema.h"
#include "common/config/yaml_files.h"
#include "correlator/enrich/policy_yaml.h"

namespace hinomi::correlator {
namespace {

using config::Diagnostics;
using config::describeNode;
using rules::Cidr;
using rules::IpBytes;

const std::vector<std::string> kFileKeys = {
    "tenant",   "name",           "model",          "terminal_model", "security_cloud", "example",
    "zones",    "outside_zone",   "flows",          "senders",        "timezone",       "business_hours",
    "change_windows", "contacts", "acknowledge",    "playbooks"};
const std::vector<std::string> kZoneKeys = {"name", "tier", "cidrs", "hosts"};

// A list of host-name patterns (or one), lower-cased; errors per entry.
std::vector<std::string> hostPatterns(const YAML::Node& n, Diagnostics& d, const std::string& what) {
  std::vector<std::string> out;
  auto one = [&](const YAML::Node& item) {
    if (!item.IsScalar() || item.Scalar().empty()) {
      d.error(item, what + ": expected a host name or pattern (* and ?), got " + describeNode(item));
      return;
    }
    std::string p = item.Scalar();
    std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    out.push_back(std::move(p));
  };
  if (n.IsSequence() && n.size() > 0) {
    for (const auto& item : n) one(item);
  } else if (n.IsScalar()) {
    one(n);
  } else {
    d.error(n, what + ": expected a non-empty list of host names or patterns, got " +
                   (n.IsSequence() ? std::string("an empty list") : describeNode(n)));
  }
  return out;
}

bool flag(const YAML::Node& n, Diagnostics& d, const std::string& what) {
  bool value = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, value)) d.error(n, what + ": expected true or false, got " + describeNode(n));
  return value;
}
const std::vector<std::string> kFlowKeys = {"from", "to", "via"};

IpBytes masked(const IpBytes& ip, int bits) {
  IpBytes out = ip;
  for (int i = 0; i < 16; ++i) {
    int keep = std::clamp(bits - i * 8, 0, 8);
    out[size_t(i)] &= static_cast<uint8_t>(0xff00u >> keep);
  }
  return out;
}

// The network as written back: IPv4 networks (and hosts) in dotted form.
std::string describeCidr(const Cidr& c) {
  const auto& n = c.network;
  bool v4 = c.prefix_bits >= 96 && std::all_of(n.begin(), n.begin() + 10, [](uint8_t b) { return b == 0; }) &&
            n[10] == 0xff && n[11] == 0xff;
  if (v4)
    return std::to_string(n[12]) + "." + std::to_string(n[13]) + "." + std::to_string(n[14]) + "." +
           std::to_string(n[15]) + "/" + std::to_string(c.prefix_bits - 96);
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 16; i += 2) {
    if (i) s.push_back(':');
    unsigned v = unsigned(n[size_t(i)]) << 8 | n[size_t(i) + 1];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned d = (v >> shift) & 0xf;
      if (d || started || shift == 0) {
        s.push_back(kHex[d]);
        started = true;
      }
    }
  }
  return s + "/" + std::to_string(c.prefix_bits);
}

using policy_yaml::checkKeys;
using policy_yaml::text;

bool validZoneName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '.'))
      return false;
  return true;
}

// A network or a list of networks ("10.0.0.0/8", "2001:db8::/32", a bare address); errors per entry.
std::vector<std::pair<Cidr, YAML::Node>> cidrList(const YAML::Node& n, Diagnostics& d, const std::string& what) {
  std::vector<std::pair<Cidr, YAML::Node>> out;
  auto one = [&](const YAML::Node& item) {
    if (!item.IsScalar()) {
      d.error(item, what + ": expected a network (CIDR or address), got " + describeNode(item));
      return;
    }
    auto c = rules::parseCidr(item.Scalar());
    if (!c) {
      d.error(item, what + ": '" + item.Scalar() + "' is not a network (CIDR or address)");
      return;
    }
    out.emplace_back(*c, item);
  };
  if (n.IsSequence()) {
    for (const auto& item : n) one(item);
  } else if (n.IsScalar()) {
    one(n);
  } else {
    d.error(n, what + ": expected a list of networks, got " + describeNode(n));
  }
  return out;
}

}  // namespace

bool PrefixTable::insert(const Cidr& cidr, int value) {
  auto lv = std::find_if(levels_.begin(), levels_.end(), [&](const Level& l) { return l.bits <= cidr.prefix_bits; });
  if (lv == levels_.end() || lv->bits != cidr.prefix_bits) lv = levels_.insert(lv, Level{cidr.prefix_bits, {}});
  IpBytes key = masked(cidr.network, cidr.prefix_bits);
  auto at = std::lower_bound(lv->entries.begin(), lv->entries.end(), key,
                             [](const auto& e, const IpBytes& k) { return e.first < k; });
  if (at != lv->entries.end() && at->first == key) return false;
  lv->entries.insert(at, {key, value});
  return true;
}

int PrefixTable::lookup(const IpBytes& ip) const {
  for (const auto& lv : levels_) {
    IpBytes key = masked(ip, lv.bits);
    auto at = std::lower_bound(lv.entries.begin(), lv.entries.end(), key,
                               [](const auto& e, const IpBytes& k) { return e.first < k; });
    if (at != lv.entries.end() && at->first == key) return at->second;
  }
  return -1;
}

int PrefixTable::exact(const Cidr& cidr) const {
  for (const auto& lv : levels_) {
    if (lv.bits != cidr.prefix_bits) continue;
    IpBytes key = masked(cidr.network, cidr.prefix_bits);
    auto at = std::lower_bound(lv.entries.begin(), lv.entries.end(), key,
                               [](const auto& e, const IpBytes& k) { return e.first < k; });
    if (at != lv.entries.end() && at->first == key) return at->second;
  }
  return -1;
}

bool TenantPolicy::flowAllowed(int from, int to, const IpBytes& src, const IpBytes& dst) const {
  if (from == to) return true;
  for (const auto& f : flows) {
    if (f.from != from || f.to != to) continue;
    if (f.via.empty()) return true;
    for (const auto& v : f.via)
      if (v.contains(src) || v.contains(dst)) return true;
  }
  return false;
}

const char* terminalModelName(TerminalModel m) {
  switch (m) {
    case TerminalModel::kAlpha: return "alpha";
    case TerminalModel::kAlphaPrime: return "alpha-prime";
    case TerminalModel::kBeta: return "beta";
    case TerminalModel::kBetaPrime: return "beta-prime";
    case TerminalModel::kUnset: break;
  }
  return "";
}

bool hostPatternMatches(std::string_view pattern, std::string_view name) {
  // Iterative glob with one backtrack point: linear in practice, no recursion on hostile names.
  size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == lower(name[n]))) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

int TenantPolicy::zoneOfHost(std::string_view host) const {
  if (host.empty()) return -1;
  for (size_t i = 0; i < zones.size(); ++i)
    for (const auto& pattern : zones[i].hosts)
      if (hostPatternMatches(pattern, host)) return int(i);
  return -1;
}

bool TenantPolicy::sentBy(std::string_view host) const {
  if (host.empty()) return false;
  for (const auto& pattern : sender_hosts)
    if (hostPatternMatches(pattern, host)) return true;
  if (!sender_cidrs.empty()) {
    if (auto ip = rules::parseIp(host))
      for (const auto& c : sender_cidrs)
        if (c.contains(*ip)) return true;
  }
  return false;
}

const TenantPolicy* TenantPolicies::bySender(std::string_view host) const {
  if (!any_senders_) return nullptr;
  for (const auto& [id, policy] : by_tenant_)
    if (policy.sentBy(host)) return &policy;
  return nullptr;
}

const TenantPolicy* TenantPolicies::find(std::string_view tenant) const {
  auto it = by_tenant_.find(tenant);
  return it == by_tenant_.end() ? nullptr : &it->second;
}

std::string TenantPolicyLoad::errorText() const {
  std::string out;
  for (const auto& e : errors) out += e.toString() + "\n";
  return out;
}

std::optional<TenantPolicy> TenantPolicyLoader::loadPolicy(const YAML::Node& root, Diagnostics& d) {
  if (!root || root.IsNull()) {
    d.error(root, "empty tenant policy: expected a mapping with 'tenant:' and 'model:'");
    return std::nullopt;
  }
  if (!root.IsMap()) {
    d.error(root, "expected a mapping with 'tenant:' and 'model:', got " + describeNode(root));
    return std::nullopt;
  }
  const size_t before = d.errors().size();
  checkKeys(root, kFileKeys, d, "tenant policy");
  TenantPolicy p;
  p.location = Location{d.file(), root.Mark().line + 1, root.Mark().column + 1};
  text(root, "tenant", d, "tenant policy", p.tenant);
  if (root["name"]) text(root, "name", d, "tenant policy", p.name);
  std::string model;
  if (text(root, "model", d, "tenant policy", model)) {
    if (model == "three-tier") p.model = NetworkModel::kThreeTier;
    else if (model == "two-tier") p.model = NetworkModel::kTwoTier;
    else if (model == "none") p.model = NetworkModel::kNone;
    else d.error(root["model"], "model: '" + model + "' is not one of three-tier, two-tier, none");
  }
  if (root["terminal_model"]) {
    std::string tm;
    if (text(root, "terminal_model", d, "tenant policy", tm)) {
      if (tm == "alpha") p.terminals = TerminalModel::kAlpha;
      else if (tm == "alpha-prime") p.terminals = TerminalModel::kAlphaPrime;
      else if (tm == "beta") p.terminals = TerminalModel::kBeta;
      else if (tm == "beta-prime") p.terminals = TerminalModel::kBetaPrime;
      else d.error(root["terminal_model"], "terminal_model: '" + tm + "' is not one of alpha, alpha-prime, beta, beta-prime");
      if (p.model != NetworkModel::kThreeTier && !model.empty())
        d.error(root["terminal_model"], "terminal_model: the α/β models are variants of three-tier (model is " + model + ")");
    }
  }
  if (root["security_cloud"]) text(root, "security_cloud", d, "tenant policy", p.security_cloud);
  if (root["example"]) p.example = flag(root["example"], d, "example");
  p.calendar = readCalendar(root, d);
  p.contacts = readContacts(root, d);
  if (const YAML::Node pbs = root["playbooks"]) {
    if (!pbs.IsSequence()) d.error(pbs, "playbooks: expected a list of playbook ids, got " + describeNode(pbs));
    else
      for (const auto& pb : pbs) {
        if (!pb.IsScalar() || !validZoneName(pb.Scalar())) d.error(pb, "playbooks: " + describeNode(pb) + " is not a playbook id");
        else p.playbooks.push_back(pb.Scalar());
      }
  }
  if (const YAML::Node snd = root["senders"]) {
    if (!snd.IsMap()) {
      d.error(snd, "senders: expected {hosts: [...], cidrs: [...]}, got " + describeNode(snd));
    } else {
      checkKeys(snd, {"hosts", "cidrs"}, d, "senders");
      if (snd["hosts"]) p.sender_hosts = hostPatterns(snd["hosts"], d, "senders.hosts");
      if (snd["cidrs"])
        for (auto& [cidr, node] : cidrList(snd["cidrs"], d, "senders.cidrs")) p.sender_cidrs.push_back(cidr);
      if (!snd["hosts"] && !snd["cidrs"]) d.error(snd, "senders: give hosts, cidrs or both");
    }
  }

  const YAML::Node zones = root["zones"];
  const YAML::Node flows = root["flows"];
  if (p.model == NetworkModel::kNone) {
    // No segmentation: nothing is enriched, so zones written here would silently do nothing.
    if (zones && !(zones.IsSequence() && zones.size() == 0))
      d.error(zones, "zones: model none has no zones (set model: three-tier or two-tier)");
    if (flows && !(flows.IsSequence() && flows.size() == 0))
      d.error(flows, "flows: model none has no flows (set model: three-tier or two-tier)");
    if (root["outside_zone"]) d.error(root["outside_zone"], "outside_zone: model none has no zones");
    if (d.errors().size() != before) return std::nullopt;
    return p;
  }

  // Networks are checked against each other here (not only per zone): the same network in two
  // zones would make the zone of its addresses depend on file order.
  std::map<std::string, std::pair<int, YAML::Node>> zone_index;
  if (!zones || !zones.IsSequence() || zones.size() == 0) {
    d.error(zones ? zones : root, "zones: expected a non-empty list of zones, got " + describeNode(zones));
  } else {
    for (size_t i = 0; i < zones.size(); ++i) {
      const YAML::Node z = zones[i];
      std::string what = "zones[" + std::to_string(i) + "]";
      if (!z.IsMap()) {
        d.error(z, what + ": expected a mapping, got " + describeNode(z));
        continue;
      }
      checkKeys(z, kZoneKeys, d, what);
      Zone zone;
      if (text(z, "name", d, what, zone.name)) {
        if (!validZoneName(zone.name)) {
          d.error(z["name"], what + ".name: '" + zone.name + "' may only hold letters, digits, '_', '-' and '.'");
        } else {
          auto [it, fresh] = zone_index.try_emplace(zone.name, int(p.zones.size()), z["name"]);
          if (!fresh)
            d.error(z["name"], what + ".name: zone '" + zone.name + "' is already defined at line " +
                                   std::to_string(it->second.second.Mark().line + 1));
        }
      }
      if (z["tier"]) text(z, "tier", d, what, zone.tier);
      if (z["hosts"]) zone.hosts = hostPatterns(z["hosts"], d, what + ".hosts");
      const YAML::Node cidrs = z["cidrs"];
      if (!cidrs) {
        d.error(z, what + ": 'cidrs' is required");
      } else if (cidrs.IsSequence() && cidrs.size() == 0) {
        d.error(cidrs, what + ".cidrs: an empty list (a zone needs at least one network)");
      } else {
        for (auto& [cidr, node] : cidrList(cidrs, d, what + ".cidrs")) {
          int owner = p.table.exact(cidr);
          if (owner >= 0) {
            std::string where = size_t(owner) < p.zones.size() ? "zone '" + p.zones[size_t(owner)].name + "'"
                                                               : "this zone";
            d.error(node, what + ".cidrs: " + describeCidr(cidr) + " is already in " + where);
            continue;
          }
          (void)p.table.insert(cidr, int(p.zones.size()));
          zone.cidrs.push_back(cidr);
        }
      }
      p.zones.push_back(std::move(zone));
    }
  }

  if (const YAML::Node outside = root["outside_zone"]) {
    std::string name;
    if (text(root, "outside_zone", d, "tenant policy", name)) {
      if (!validZoneName(name)) {
        d.error(outside, "outside_zone: '" + name + "' may only hold letters, digits, '_', '-' and '.'");
      } else if (zone_index.count(name)) {
        d.error(outside, "outside_zone: '" + name + "' is a zone with networks; name the zone of all other addresses");
      } else {
        p.outside_zone = int(p.zones.size());
        zone_index.try_emplace(name, p.outside_zone, outside);
        p.zones.push_back(Zone{name, "外部 (outside the tenant's networks)", {}, {}});
      }
    }
  }

  if (flows) {
    if (!flows.IsSequence()) {
      d.error(flows, "flows: expected a list, got " + describeNode(flows));
    } else {
      for (size_t i = 0; i < flows.size(); ++i) {
        const YAML::Node f = flows[i];
        std::string what = "flows[" + std::to_string(i) + "]";
        if (!f.IsMap()) {
          d.error(f, what + ": expected a mapping, got " + describeNode(f));
          continue;
        }
        checkKeys(f, kFlowKeys, d, what);
        FlowRule rule;
        auto zoneRef = [&](const char* key, int& out) {
          std::string name;
          if (!text(f, key, d, what, name)) return;
          auto it = zone_index.find(name);
          if (it == zone_index.end()) d.error(f[key], what + "." + key + ": no zone named '" + name + "'");
          else out = it->second.first;
        };
        zoneRef("from", rule.from);
        zoneRef("to", rule.to);
        if (rule.from >= 0 && rule.from == rule.to)
          d.error(f, what + ": from and to are the same zone (traffic within a zone is always allowed)");
        if (const YAML::Node via = f["via"]) {
          for (auto& [cidr, node] : cidrList(via, d, what + ".via")) rule.via.push_back(cidr);
          if (via.IsSequence() && via.size() == 0)
            d.error(via, what + ".via: an empty list (leave 'via' out to allow the pair through any host)");
        }
        p.flows.push_back(std::move(rule));
      }
    }
  }
  if (d.errors().size() != before) return std::nullopt;
  return p;
}

void TenantPolicyLoader::addText(const std::string& text, const std::string& file) {
  Diagnostics diag(file);
  YAML::Node root;
  bool parsed = true;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    diag.error(e.mark, "YAML syntax: " + e.msg);
    parsed = false;
  }
  std::optional<TenantPolicy> policy;
  if (parsed) {
    try {
      policy = loadPolicy(root, diag);
    } catch (const YAML::Exception& e) {
      // yaml-cpp throws on some misuse of odd documents; still a located error, never a crash.
      diag.error(e.mark, "cannot read: " + e.msg);
      policy.reset();
    }
  }
  if (policy && diag.ok()) {
    auto it = policies_.by_tenant_.find(policy->tenant);
    if (it != policies_.by_tenant_.end()) {
      const Location& first = it->second.location;
      diag.error(root["tenant"], "tenant '" + policy->tenant + "' already has a policy in " + first.file + ":" +
                                     std::to_string(first.line));
    } else {
      std::string id = policy->tenant;
      if (!policy->sender_hosts.empty() || !policy->sender_cidrs.empty()) policies_.any_senders_ = true;
      policies_.by_tenant_.emplace(std::move(id), std::move(*policy));
    }
  }
  errors_.insert(errors_.end(), diag.errors().begin(), diag.errors().end());
}

void TenantPolicyLoader::addFile(const std::string& path) {
  auto text = config::readWholeFile(path);
  if (!text) {
    errors_.push_back(Error{ErrorCode::kConfig, "cannot read the file", Location{path, 1, 1}});
    return;
  }
  addText(*text, path);
}

void TenantPolicyLoader::addDirectory(const std::string& dir, bool missing_ok) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    if (missing_ok && !std::filesystem::exists(dir, ec)) return;
    errors_.push_back(Error{ErrorCode::kConfig, "not a directory of tenant policies", Location{dir, 1, 1}});
    return;
  }
  auto files = config::yamlFilesUnder(dir, ec);
  if (ec) errors_.push_back(Error{ErrorCode::kConfig, "cannot list: " + ec.message(), Location{dir, 1, 1}});
  for (const auto& f : files) addFile(f.string());
}

TenantPolicyLoad TenantPolicyLoader::finish() && {
  TenantPolicyLoad out;
  out.errors = std::move(errors_);
  out.policies = std::move(policies_);
  return out;
}

TenantPolicyLoad loadTenantDirectories(const std::vector<std::string>& dirs, bool missing_ok) {
  TenantPolicyLoader loader;
  for (const auto& d : dirs) loader.addDirectory(d, missing_ok);
  return std::move(loader).finish();
}

}  // namespace hinomi::correlator
