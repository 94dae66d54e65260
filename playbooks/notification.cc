#include "playbooks/notification.h"

#include "playbooks/case_context.h"
#include "playbooks/template_text.h"

namespace hinomi::playbooks {
namespace {

std::string groupText(const CaseRecord& c) {
  std::string out;
  for (const auto& [k, v] : c.group.items()) {
    if (!out.empty()) out += ", ";
    out += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

}  // namespace

NotifyPlan planNotifications(const CaseRecord& c, const Step& step, const std::vector<std::string>& roles,
                             const std::vector<std::string>& channels, const correlator::TenantPolicy* tenant,
                             bool smtp_configured, const std::string& console_url, const std::string& subject_prefix) {
  NotifyPlan plan;
  const std::string tenant_name = caseValue(c, tenant, "tenant.name");
  std::string subject = step.subject.empty() ? "[" + c.level + "] " + c.title + " (" + tenant_name + ")"
                                             : renderTemplate(step.subject, caseLookup(c, tenant));
  subject = subject_prefix + subject;
  const std::string link = console_url.empty() ? "" : console_url + "/cases/" + c.id;
  std::string text = subject + "\n\n";
  text += "組織: " + tenant_name + "\n";
  text += "重大度: " + c.level + "\n";
  text += "検知: " + c.title + " (" + c.rule_id + ")\n";
  text += "発生日時: " + formatJst(c.first_ts_us) + "\n";
  if (!c.group.empty()) text += "対象: " + groupText(c) + "\n";
  text += "インシデント数: " + std::to_string(c.incident_ids.size()) + "\n";
  text += "ケース: " + c.id + " (" + c.playbook + ", 手順 " + step.id + " / " + step.phase + ")\n";
  if (!link.empty()) text += link + "\n";

  for (const auto& role : roles) {
    std::vector<const correlator::Contact*> holders;
    if (tenant)
      for (const auto& contact : tenant->contacts.contacts)
        if (contact.role == role) holders.push_back(&contact);
    if (holders.empty()) {
      plan.unreachable.push_back(role + ": the tenant names nobody in this role");
      continue;
    }
    for (const auto& channel : channels) {
      for (size_t n = 0; n < holders.size(); ++n) {
        const auto& contact = *holders[n];
        Delivery d;
        d.channel = channel;
        d.role = role;
        d.name = contact.name;
        d.key = c.id + ":" + step.id + ":" + channel + ":" + role + ":" + std::to_string(n);
        d.subject = subject;
        d.text = text;
        d.link = link;
        if (channel == "email") {
          if (contact.email.empty()) {
            plan.unreachable.push_back(role + "/email: " + contact.name + " has no e-mail address");
            continue;
          }
          if (!smtp_configured) {
            plan.unreachable.push_back(role + "/email: no SMTP server is configured (responder.smtp.url)");
            continue;
          }
          d.address = contact.email;
        } else {
          if (contact.webhook.empty()) {
            plan.unreachable.push_back(role + "/" + channel + ": " + contact.name + " has no webhook");
            continue;
          }
          d.address = contact.webhook;
        }
        if (channel == "webhook") {
          d.payload = {{"type", "hinomi.notification"},
                       {"idempotency_key", d.key},
                       {"case",
                        {{"id", c.id},
                         {"tenant", c.tenant},
                         {"tenant_name", tenant_name},
                         {"playbook", c.playbook},
                         {"level", c.level},
                         {"state", c.state},
                         {"title", c.title},
                         {"rule_id", c.rule_id},
                         {"first_ts", formatJst(c.first_ts_us)},
                         {"group", c.group},
                         {"incidents", c.incident_ids.size()}}},
                       {"step", {{"id", step.id}, {"phase", step.phase}, {"kind", stepKindName(step.kind)}}},
                       {"role", role},
                       {"subject", subject},
                       {"text", text},
                       {"link", link}};
        }
        plan.deliveries.push_back(std::move(d));
      }
    }
  }
  return plan;
}

}  // namespace hinomi::playbooks
