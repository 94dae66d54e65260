#pragma once
// Playbook templates: text with {{path}} placeholders (case.id, incident.level, tenant.name,
// fields.host.name …) filled from a case when a step runs. Checked at load so a typo is a config
// error, not an empty field in a report at 3 a.m. Event data is substituted as text only: it never
// becomes part of a command line or a template itself.

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hinomi::playbooks {

// The placeholder paths of `text` in order; nullopt and `error` set when a {{ is not closed, a
// placeholder is empty, or its root is not case, incident, tenant or fields.
std::optional<std::vector<std::string>> templatePlaceholders(const std::string& text, std::string& error);

// Whether `path` (no braces) is a placeholder path a template may name.
bool validPlaceholderPath(const std::string& path);

// `text` with each placeholder replaced by lookup(path) (an unknown value: empty). Assumes a
// template that templatePlaceholders accepted.
std::string renderTemplate(const std::string& text, const std::function<std::string(const std::string&)>& lookup);

}  // namespace hinomi::playbooks
