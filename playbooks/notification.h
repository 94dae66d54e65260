#pragma once
// What a notify or escalate step sends: one Delivery per contact of each role and channel, with the
// subject and text people read (Japanese, as the tenants' staff work in it) and, for webhooks, a
// JSON body a ticketing system can take. Contacts come from the tenant file: a playbook names roles.

#include <string>
#include <vector>

#include "correlator/enrich/tenant_policy.h"
#include "playbooks/case_record.h"
#include "playbooks/playbook.h"
#include "playbooks/step_effects.h"

namespace hinomi::playbooks {

struct NotifyPlan {
  std::vector<Delivery> deliveries;
  std::vector<std::string> unreachable;  // "role/channel: why" for what could not be addressed
};

// The deliveries of `roles` × `channels` for a step of a case. `smtp_configured`: without a server
// e-mail is unreachable. Keys are "<case>:<step>:<channel>:<role>:<n>" (n: the contact's index
// within the role), stable across restarts.
NotifyPlan planNotifications(const CaseRecord& c, const Step& step, const std::vector<std::string>& roles,
                             const std::vector<std::string>& channels, const correlator::TenantPolicy* tenant,
                             bool smtp_configured, const std::string& console_url, const std::string& subject_prefix = "");

}  // namespace hinomi::playbooks
