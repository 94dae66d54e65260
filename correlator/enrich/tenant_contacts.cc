#include "correlator/enrich/tenant_contacts.h"

#include <algorithm>

#include "common/config/schema.h"
#include "correlator/enrich/policy_yaml.h"

namespace hinomi::correlator {
namespace {

using config::Diagnostics;
using config::describeNode;

const std::vector<std::string> kLevels = {"critical", "high", "medium", "low", "informational"};

bool knownRole(const std::string& id) {
  const auto& roles = contactRoles();
  return std::any_of(roles.begin(), roles.end(), [&](const ContactRole& r) { return id == r.id; });
}

std::string roleList() {
  std::string out;
  for (const auto& r : contactRoles()) out += std::string(out.empty() ? "" : ", ") + r.id;
  return out;
}

}  // namespace

const std::vector<ContactRole>& contactRoles() {
  static const std::vector<ContactRole> roles = {
      {"poc", "統一的な窓口 (PoC)"},
      {"csirt", "CSIRT"},
      {"security_manager", "情報セキュリティ管理者"},
      {"system_manager", "情報システム管理者"},
      {"chief_security_officer", "統括情報セキュリティ責任者"},
      {"security_officer", "情報セキュリティ責任者"},
      {"ciso", "最高情報セキュリティ責任者 (CISO)"},
      {"security_cloud", "自治体情報セキュリティクラウド運用者"},
      {"contractor", "委託事業者"},
      {"deputy", "代行者"},
  };
  return roles;
}

TenantContacts readContacts(const YAML::Node& root, Diagnostics& d) {
  TenantContacts out;
  if (const YAML::Node cs = root["contacts"]) {
    if (!cs.IsSequence()) {
      d.error(cs, "contacts: expected a list of contacts, got " + describeNode(cs));
    } else {
      for (size_t i = 0; i < cs.size(); ++i) {
        const YAML::Node c = cs[i];
        const std::string what = "contacts[" + std::to_string(i) + "]";
        if (!c.IsMap()) {
          d.error(c, what + ": expected a mapping (role, name, email / phone / webhook), got " + describeNode(c));
          continue;
        }
        policy_yaml::checkKeys(c, {"role", "name", "email", "phone", "webhook", "example"}, d, what);
        Contact contact;
        if (policy_yaml::text(c, "role", d, what, contact.role) && !knownRole(contact.role))
          d.error(c["role"], what + ".role: '" + contact.role + "' is not one of " + roleList());
        policy_yaml::text(c, "name", d, what, contact.name);
        for (auto [key, field] : {std::pair{"email", &contact.email}, std::pair{"phone", &contact.phone},
                                  std::pair{"webhook", &contact.webhook}})
          if (c[key]) policy_yaml::text(c, key, d, what, *field);
        if (contact.email.empty() && contact.phone.empty() && contact.webhook.empty())
          d.error(c, what + ": a contact needs at least one of email, phone, webhook");
        if (contact.email.size() && contact.email.find('@') == std::string::npos)
          d.error(c["email"], what + ".email: '" + contact.email + "' is not an e-mail address");
        if (contact.webhook.size() && contact.webhook.rfind("https://", 0) != 0 &&
            contact.webhook.rfind("http://", 0) != 0)
          d.error(c["webhook"], what + ".webhook: expected an http:// or https:// URL");
        if (const YAML::Node ex = c["example"]) {
          bool value = false;
          if (!ex.IsScalar() || !YAML::convert<bool>::decode(ex, value))
            d.error(ex, what + ".example: expected true or false, got " + describeNode(ex));
          contact.example = value;
        }
        out.contacts.push_back(std::move(contact));
      }
    }
  }

  if (const YAML::Node ack = root["acknowledge"]) {
    if (!ack.IsMap()) {
      d.error(ack, "acknowledge: expected level → {role: deadline}, got " + describeNode(ack));
      return out;
    }
    for (auto it = ack.begin(); it != ack.end(); ++it) {
      std::string level = it->first.IsScalar() ? it->first.Scalar() : "";
      const std::string what = "acknowledge." + level;
      if (std::find(kLevels.begin(), kLevels.end(), level) == kLevels.end()) {
        d.error(it->first, "acknowledge: '" + level + "' is not a level (critical, high, medium, low, informational)");
        continue;
      }
      if (!it->second.IsMap()) {
        d.error(it->second, what + ": expected {role: deadline}, got " + describeNode(it->second));
        continue;
      }
      auto& per_role = out.acknowledge[level];
      for (auto r = it->second.begin(); r != it->second.end(); ++r) {
        std::string role = r->first.IsScalar() ? r->first.Scalar() : "";
        if (!knownRole(role)) {
          d.error(r->first, what + ": '" + role + "' is not one of " + roleList());
          continue;
        }
        bool has_contact = std::any_of(out.contacts.begin(), out.contacts.end(),
                                       [&](const Contact& c) { return c.role == role; });
        if (!has_contact) d.error(r->first, what + ": no contact has the role '" + role + "'");
        auto secs = r->second.IsScalar() ? policy_yaml::durationSeconds(r->second.Scalar()) : std::nullopt;
        if (!secs) d.error(r->second, what + "." + role + ": expected a deadline like 0m, 30m, 1h, 1d, got " +
                                          describeNode(r->second));
        else per_role[role] = *secs;
      }
    }
  }
  return out;
}

}  // namespace hinomi::correlator
