#include "common/config/responder_options.h"

namespace hinomi::config {
namespace {

Schema<SmtpOptions> smtpSchema() {
  Schema<SmtpOptions> s;
  s.text("url", &SmtpOptions::url,
         "SMTP server for `email` notifications: smtp://host:port (STARTTLS when offered) or smtps://host:port; "
         "empty: e-mail deliveries are recorded as skipped");
  s.text("from", &SmtpOptions::from, "Envelope sender and From: address");
  s.text("username", &SmtpOptions::username, "SMTP AUTH user; empty: no AUTH");
  s.text("password", &SmtpOptions::password, "SMTP AUTH password; write ${NAME} to take it from the environment");
  s.boolean("require_tls", &SmtpOptions::require_tls, "Refuse to send unless the server takes STARTTLS");
  s.integer("timeout_secs", &SmtpOptions::timeout_secs, 1, 600, "Seconds one delivery may take");
  return s;
}

}  // namespace

Schema<ResponderOptions> responderSchema() {
  Schema<ResponderOptions> s;
  s.boolean("enabled", &ResponderOptions::enabled,
            "`hinomi run` takes incidents into cases and runs their playbooks (docs/playbooks.md); false "
            "leaves them for `hinomi responder`");
  s.text("group", &ResponderOptions::group, "Consumer group of the responder on topics.incidents");
  s.integer("workers", &ResponderOptions::workers, 1, 64,
            "Cases whose steps run at once (one case's steps run one at a time, in order)");
  s.boolean("dry_run", &ResponderOptions::dry_run,
            "Every playbook as if it said dry_run: true: steps are rendered, logged and audited, nothing is "
            "sent or run");
  s.section("smtp", &ResponderOptions::smtp, smtpSchema(), "E-mail");
  s.text("chat_format", &ResponderOptions::chat_format, "Body of `chat` notifications to contacts' webhooks",
         {"slack", "teams"});
  s.textList("never_touch", &ResponderOptions::never_touch,
             "Containment allowlist: targets an action must never act on — IP addresses, CIDRs, host or "
             "account names, * globs (case-insensitive). A matching action is refused and recorded");
  s.integer("max_actions_per_minute", &ResponderOptions::max_actions_per_minute, 1, 10000,
            "Containment actions started per minute across all cases; more wait for the next minute");
  s.integer("max_attempts", &ResponderOptions::max_attempts, 1, 100,
            "Attempts of a failed notification or action before it is marked failed");
  s.integer("retry_initial_ms", &ResponderOptions::retry_initial_ms, 10, 3600000,
            "Wait before the second attempt; doubled each attempt, with ±20 % jitter");
  s.integer("retry_max_secs", &ResponderOptions::retry_max_secs, 1, 86400, "Longest wait between attempts");
  s.integer("evidence_max_events", &ResponderOptions::evidence_max_events, 1, 10000000,
            "Raw events one evidence step keeps at most (the manifest says when it was capped)");
  s.text("console_url", &ResponderOptions::console_url,
         "Base URL of the console, for links in notifications; empty: no link");
  s.check([](const ResponderOptions& o, const YAML::Node& n, Diagnostics& d) {
    if (o.group.empty()) d.error(n && n.IsMap() && n["group"] ? n["group"] : n, "responder.group: must not be empty");
  });
  return s;
}

}  // namespace hinomi::config
