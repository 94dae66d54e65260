#pragma once
// Options of the responder: how it reaches people (SMTP, chat format), what containment may never
// touch and how fast it may act, how failed side effects are retried. docs/playbooks.md explains
// each; docs/config.md lists them.

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/schema.h"

namespace hinomi::config {

struct SmtpOptions {
  std::string url;                      // smtp://host:port or smtps://…; empty: e-mail is not sent
  std::string from = "hinomi@localhost";
  std::string username;
  std::string password;                 // ${NAME}: from the environment; never logged
  bool require_tls = false;
  int64_t timeout_secs = 30;
};

struct ResponderOptions {
  bool enabled = true;                     // `hinomi run` runs the responder
  std::string group = "hinomi-responder";  // its consumer group on topics.incidents
  int64_t workers = 4;                     // cases advanced at once
  bool dry_run = false;                    // every playbook: render and record, send and run nothing
  SmtpOptions smtp;
  std::string chat_format = "slack";       // slack | teams: the body of `chat` notifications
  std::vector<std::string> never_touch;    // containment allowlist: addresses, CIDRs, names, globs
  int64_t max_actions_per_minute = 10;
  int64_t max_attempts = 5;
  int64_t retry_initial_ms = 2000;
  int64_t retry_max_secs = 300;
  int64_t evidence_max_events = 100000;
  std::string console_url;                 // links in notifications: console_url + "/cases/" + id
};

Schema<ResponderOptions> responderSchema();

}  // namespace hinomi::config
