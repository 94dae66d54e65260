#pragma once
// Who to call (関係者の連絡先) and how soon each role must acknowledge an incident of each level:
// the parts of a tenant's 緊急時対応計画 that the responder resolves playbook roles from. The
// seeds keep their real plans non-public, so the shipped tenants carry examples marked as such.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config/diagnostics.h"

namespace hinomi::correlator {

// The roles of the guideline's reporting chain (domain.md §2), as written in tenant files.
struct ContactRole {
  const char* id;     // what files and playbooks write
  const char* label;  // the guideline's name
};
const std::vector<ContactRole>& contactRoles();

struct Contact {
  std::string role;  // one of contactRoles()
  std::string name;
  std::string email;
  std::string phone;
  std::string webhook;  // chat or paging endpoint
  bool example = false;  // a placeholder to be replaced by the organisation
};

struct TenantContacts {
  std::vector<Contact> contacts;  // in file order: the first of a role is called first
  // level (critical, high, medium, low, informational) → role → seconds to acknowledge.
  std::map<std::string, std::map<std::string, int64_t>> acknowledge;
};

// Reads contacts and acknowledge of a policy file's root; errors into `d`.
TenantContacts readContacts(const YAML::Node& root, config::Diagnostics& d);

}  // namespace hinomi::correlator
