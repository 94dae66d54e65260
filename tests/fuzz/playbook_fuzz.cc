// Any bytes as a playbook file: loading collects located errors, never crashes or throws; a playbook
// that loads has unique step ids, `after` pointing backwards, and templates that render.
#include <cstdint>
#include <set>
#include <string>

#include "playbooks/playbook_loader.h"
#include "playbooks/template_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto load = hinomi::playbooks::readPlaybookText(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  for (const auto& e : load.errors)
    if (e.location.line < 1 || e.location.column < 1) __builtin_trap();
  for (const auto& p : load.playbooks) {
    std::set<std::string> seen;
    for (const auto& s : p.steps) {
      for (const auto& a : s.after)
        if (!seen.count(a)) __builtin_trap();
      if (!seen.insert(s.id).second) __builtin_trap();
      std::string error;
      if (!hinomi::playbooks::templatePlaceholders(s.target, error)) __builtin_trap();
      hinomi::playbooks::renderTemplate(s.target + s.subject, [](const std::string& path) { return path + "{{x}}"; });
      if (s.program && (s.program->argv.empty() || s.program->argv[0].empty() || s.program->argv[0][0] != '/'))
        __builtin_trap();
    }
    if (p.recurrence_prevention.empty()) __builtin_trap();
    p.matches({"t"}, "high", "x");
  }
  return 0;
}
