#pragma once
// Reads playbook files (YAML, docs/playbooks.md) and validates them as rules are validated: every
// problem in every file at its FILE:LINE:COL, all at once; a file with an error loads no playbook.

#include <string>
#include <vector>

#include "common/result.h"
#include "playbooks/playbook.h"

namespace hinomi::playbooks {

struct PlaybookLoad {
  std::vector<Playbook> playbooks;  // those without errors, in file order
  std::vector<Error> errors;
  std::vector<Error> warnings;  // accepted, but worth a look (a containment action with no approval)
  int files = 0;
  bool ok() const { return errors.empty(); }
  // The playbook an incident selects: the first in load order whose match accepts it; null if none.
  const Playbook* select(const std::vector<std::string>& tags, const std::string& level,
                         const std::string& tenant) const;
  const Playbook* byId(const std::string& id) const;
};

// One file's text; `file` names it in errors.
PlaybookLoad readPlaybookText(const std::string& text, const std::string& file);
// Every *.yaml / *.yml under the directories (in path order); a playbook id defined twice is an
// error at the second. A directory that does not exist is an error unless `missing_ok`.
PlaybookLoad loadPlaybookDirectories(const std::vector<std::string>& dirs, bool missing_ok = false);

}  // namespace hinomi::playbooks
