// hinomi cases show|ack|assign|approve|deny|done|comment|note|close|report: work a case without the
// console. Beside a running hinomi the command goes through its command inbox (it holds the case
// store); with none running it is applied to the store directly. Either way the same engine code
// checks and audits it, with the person's name.
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/load_config.h"
#include "playbooks/case_context.h"
#include "playbooks/command_inbox.h"
#include "playbooks/responder.h"

namespace hinomi::cli {
namespace {

struct CaseArgs {
  std::string config, data_dir, case_id, step, user, role, text, lang = "ja", format = "md";
  std::vector<std::string> record;  // id=text
  bool json = false;
  int wait_secs = 10;
};

std::string loginName() {
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) return sudo;
  if (struct passwd* pw = getpwuid(getuid()); pw && pw->pw_name) return pw->pw_name;
  return "";
}

void printCase(const playbooks::CaseRecord& c, const playbooks::Playbook* p) {
  using playbooks::formatJst;
  std::cout << "case      " << c.id << "\n"
            << "tenant    " << c.tenant << "\n"
            << "playbook  " << c.playbook << (p ? " " + p->title : "") << "\n"
            << "level     " << c.level << "\n"
            << "state     " << c.state << "\n"
            << "opened    " << formatJst(c.opened_us) << "\n";
  if (c.acknowledged_us) std::cout << "ack       " << formatJst(c.acknowledged_us) << " by " << c.acknowledged_by << "\n";
  if (!c.assignee.empty()) std::cout << "assignee  " << c.assignee << "\n";
  if (c.contained_us) std::cout << "contained " << formatJst(c.contained_us) << "\n";
  if (c.closed_us) std::cout << "closed    " << formatJst(c.closed_us) << " by " << c.closed_by << "\n";
  std::cout << "group     " << c.group.dump() << "\nincidents " << c.incident_ids.size() << "\n\nsteps:\n";
  if (p) {
    for (const auto& s : p->steps) {
      auto it = c.steps.find(s.id);
      const std::string state = it == c.steps.end() ? "pending" : it->second.state;
      std::cout << "  " << s.id << "  [" << playbooks::stepKindName(s.kind) << ", " << s.phase << "]  " << state;
      if (it != c.steps.end() && !it->second.note.empty()) std::cout << "  — " << it->second.note;
      std::cout << "\n";
    }
  }
  std::cout << "\ntimeline:\n";
  for (const auto& t : c.timeline)
    std::cout << "  " << formatJst(t.ts_us) << "  " << t.kind << (t.ref.empty() ? "" : " " + t.ref) << "  " << t.text << "\n";
}

// Applies one command: through the inbox of a running hinomi, or directly when none runs.
int runCommand(const CaseArgs& a, playbooks::CaseCommand cmd) {
  auto cfg = loadConfigOrReport(a.config, a.data_dir);
  if (!cfg) return 2;
  if (cmd.user.empty()) {
    std::cerr << "Who gives this command? Pass --user NAME.\n";
    return 2;
  }
  auto store = playbooks::CaseStore::open(cfg->responderStatePath());
  if (!store) {
    // The store is locked: a running hinomi holds it and applies the command itself.
    const std::string inbox = playbooks::commandInboxPath(*cfg);
    auto name = playbooks::submitCommand(inbox, cmd);
    if (!name) {
      std::cerr << name.error().message << "\n";
      return 1;
    }
    auto reply = playbooks::awaitReply(inbox, *name, std::chrono::seconds(a.wait_secs));
    if (!reply) {
      std::cerr << reply.error().message << "\n";
      return 3;
    }
    if (!reply->value("ok", false)) {
      std::cerr << "Refused: " << reply->value("error", std::string("(no reason given)")) << "\n";
      return 1;
    }
    std::cout << cmd.op << ": done (case " << cmd.case_id << " is " << (*reply)["case"].value("state", "?") << ")\n";
    return 0;
  }
  auto plays = std::make_shared<playbooks::PlaybookLoad>(
      playbooks::loadPlaybookDirectories(cfg->playbooks, !cfg->playbooks_in_file));
  auto tenants = loadTenantPoliciesOrReport(*cfg);
  if (!tenants) return 2;
  playbooks::LiveEffects effects(playbooks::liveEffectsOptions(*cfg, nullptr));
  playbooks::ResponderEngine engine(**store, plays,
                                    std::make_shared<const correlator::TenantPolicies>(std::move(*tenants)), effects,
                                    SystemClock::instance(), playbooks::engineSettings(*cfg));
  auto applied = engine.apply(cmd);
  if (!applied) {
    std::cerr << "Refused: " << applied.error().message << "\n";
    return 1;
  }
  std::cout << cmd.op << ": done (case " << cmd.case_id << " is " << applied->state << ")\n";
  return 0;
}

void addCommon(CLI::App* sub, CaseArgs& a, bool with_user) {
  sub->add_option("-c,--config", a.config, "Configuration file (default: the embedded one)");
  sub->add_option("--data-dir", a.data_dir, "Overrides data_dir of the configuration");
  sub->add_option("case", a.case_id, "The case id (hinomi cases list)")->required();
  if (with_user) {
    a.user = loginName();
    sub->add_option("--user", a.user, "Who gives the command, for the audit log (default: your login name)");
    sub->add_option("--wait", a.wait_secs, "Seconds to wait for a running hinomi to apply it (default 10)");
  }
}

}  // namespace

void addCaseActionCommands(CLI::App& cases, int& exit_code) {
  auto a = std::make_shared<CaseArgs>();

  auto* show = cases.add_subcommand("show", "A case: its steps, their state and its timeline");
  addCommon(show, *a, false);
  show->add_flag("--json", a->json, "The stored case as JSON");
  show->callback([a, &exit_code] {
    auto cfg = loadConfigOrReport(a->config, a->data_dir);
    if (!cfg) {
      exit_code = 2;
      return;
    }
    auto store = playbooks::CaseStore::openReadOnly(cfg->responderStatePath());
    if (!store) {
      std::cerr << store.error().message << "\n";
      exit_code = 2;
      return;
    }
    auto c = (*store)->get(a->case_id);
    if (!c || !*c) {
      std::cerr << "No case " << a->case_id << "\n";
      exit_code = 1;
      return;
    }
    if (a->json) {
      std::cout << (*c)->toJson().dump(2) << "\n";
    } else {
      auto plays = playbooks::loadPlaybookDirectories(cfg->playbooks, !cfg->playbooks_in_file);
      printCase(**c, plays.byId((*c)->playbook));
    }
    exit_code = 0;
  });

  auto simple = [&](const char* name, const char* help, const char* op, bool with_step, bool with_text,
                    const char* text_help) {
    auto* sub = cases.add_subcommand(name, help);
    addCommon(sub, *a, true);
    if (with_step) sub->add_option("step", a->step, "The step id (hinomi cases show)")->required();
    if (with_text) sub->add_option("--note,--text", a->text, text_help);
    return std::pair{sub, std::string(op)};
  };
  auto wire = [a, &exit_code](std::pair<CLI::App*, std::string> sub) {
    sub.first->callback([a, op = sub.second, &exit_code] {
      playbooks::CaseCommand cmd;
      cmd.op = op;
      cmd.case_id = a->case_id;
      cmd.step = a->step;
      cmd.user = a->user;
      cmd.role = a->role;
      cmd.text = a->text;
      exit_code = runCommand(*a, cmd);
    });
  };
  wire(simple("ack", "Acknowledge a case (stops its escalation)", "acknowledge", false, false, ""));
  auto assign = simple("assign", "Assign a case to a person", "assign", false, false, "");
  assign.first->add_option("assignee", a->text, "Who works the case")->required();
  wire(assign);
  for (const char* op : {"approve", "deny"}) {
    auto sub = simple(op, op == std::string("approve") ? "Approve a gated step" : "Deny a gated step", op, true, true,
                      "Why (recorded)");
    sub.first->add_option("--role", a->role, "The role you act in (the step names it)")->required();
    wire(sub);
  }
  wire(simple("done", "Mark a manual checklist step done", "complete", true, true, "What was done (recorded)"));
  auto comment = simple("comment", "Add a comment to the timeline", "comment", false, false, "");
  comment.first->add_option("text", a->text, "The comment")->required();
  wire(comment);
  auto note = simple("note", "Fill one of the report's items (報告すべき事項)", "report_value", false, false, "");
  note.first->add_option("item", a->step, "The report item id")->required();
  note.first->add_option("text", a->text, "Its text")->required();
  wire(note);

  auto* close = cases.add_subcommand("close", "Close a case with its recurrence-prevention record (再発防止)");
  addCommon(close, *a, true);
  close->add_option("--record", a->record, "ITEM=TEXT, one per item (the playbook's recurrence_prevention ids)");
  close->callback([a, &exit_code] {
    playbooks::CaseCommand cmd;
    cmd.op = "close";
    cmd.case_id = a->case_id;
    cmd.user = a->user;
    for (const auto& r : a->record) {
      auto eq = r.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "--record " << r << ": write ITEM=TEXT\n";
        exit_code = 2;
        return;
      }
      cmd.record[r.substr(0, eq)] = r.substr(eq + 1);
    }
    exit_code = runCommand(*a, cmd);
  });

  auto* report = cases.add_subcommand("report", "Print a case's incident report (written when the report step runs and at close)");
  addCommon(report, *a, false);
  report->add_option("--lang", a->lang, "ja (default) or en")->check(CLI::IsMember({"ja", "en"}));
  report->add_option("--format", a->format, "md (default) or json")->check(CLI::IsMember({"md", "json"}));
  report->callback([a, &exit_code] {
    auto cfg = loadConfigOrReport(a->config, a->data_dir);
    if (!cfg) {
      exit_code = 2;
      return;
    }
    const std::string path = cfg->data_dir + "/reports/" + a->case_id + "." + a->lang + "." + a->format;
    std::ifstream in(path, std::ios::binary);
    if (!in || a->case_id.find('/') != std::string::npos) {
      std::cerr << path << ": no report yet (its playbook's report step has not run, and it is not closed)\n";
      exit_code = 1;
      return;
    }
    std::cout << in.rdbuf();
    exit_code = 0;
  });
}

}  // namespace hinomi::cli
