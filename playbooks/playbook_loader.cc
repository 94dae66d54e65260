#include "playbooks/playbook_loader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include <yaml-cpp/yaml.h>

#include "common/config/diagnostics.h"
#include "common/config/schema.h"
#include "common/config/yaml_files.h"
#include "correlator/enrich/policy_yaml.h"
#include "correlator/enrich/tenant_contacts.h"
#include "playbooks/template_text.h"

namespace hinomi::playbooks {
namespace {

using config::Diagnostics;
using correlator::policy_yaml::checkKeys;
using correlator::policy_yaml::durationSeconds;
using correlator::policy_yaml::text;

const std::vector<std::string> kPhases = {"検知", "連絡", "証拠保全", "被害拡大の防止", "復旧", "再発防止"};
const std::vector<std::string> kLevels = {"critical", "high", "medium", "low", "informational"};
const std::vector<std::string> kChannels = {"email", "webhook", "chat"};
const std::vector<std::string> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
const std::vector<std::string> kOnTimeout = {"skip", "proceed", "escalate"};

const std::map<std::string, StepKind> kKinds = {
    {"notify", StepKind::kNotify},     {"escalate", StepKind::kEscalate}, {"evidence", StepKind::kEvidence},
    {"approval", StepKind::kApproval}, {"action", StepKind::kAction},     {"manual", StepKind::kManual},
    {"report", StepKind::kReport}};

// The keys each step kind takes besides id, phase, kind and after.
const std::map<StepKind, std::vector<std::string>> kKindKeys = {
    {StepKind::kNotify, {"to", "channels", "subject"}},
    {StepKind::kEscalate, {"to", "then"}},
    {StepKind::kEvidence, {"before"}},
    {StepKind::kApproval, {"role", "timeout", "on_timeout"}},
    {StepKind::kAction, {"target", "timeout", "http", "program"}},
    {StepKind::kManual, {"text", "text_en"}},
    {StepKind::kReport, {}}};

Location locationOf(const YAML::Node& n, const std::string& file) {
  return Location{file, n.Mark().line + 1, n.Mark().column + 1};
}

std::string oneOf(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

bool isIdentifier(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

class Reader {
 public:
  Reader(Diagnostics& d, std::vector<Error>& warnings) : d_(d), warnings_(warnings) {}

  std::optional<Playbook> read(const YAML::Node& root) {
    size_t before = d_.errors().size();
    Playbook p;
    if (!root.IsMap()) {
      d_.error(root, "a playbook file is a mapping (playbook, title, match, steps …), got " + config::describeNode(root));
      return std::nullopt;
    }
    checkKeys(root, {"playbook", "title", "title_en", "match", "case", "contacts", "report", "steps",
                     "recurrence_prevention", "dry_run"},
              d_, "playbook");
    p.location = locationOf(root, d_.file());
    if (text(root, "playbook", d_, "playbook", p.id) && !isIdentifier(p.id))
      d_.error(root["playbook"], "playbook: '" + p.id + "' is not an id (lower-case letters, digits, _ and -)");
    text(root, "title", d_, "playbook", p.title);
    optionalText(root, "title_en", "playbook", p.title_en);
    readMatch(root["match"], root, p);
    readCase(root["case"], p);
    p.contacts = roles(root, "contacts", "playbook", true);
    readReport(root["report"], p);
    readSteps(root["steps"], root, p);
    readRecord(root["recurrence_prevention"], root, p);
    if (const YAML::Node dry = root["dry_run"]) {
      bool v = false;
      if (!dry.IsScalar() || !YAML::convert<bool>::decode(dry, v))
        d_.error(dry, "dry_run: expected true or false, got " + config::describeNode(dry));
      p.dry_run = v;
    }
    if (d_.errors().size() != before) return std::nullopt;
    return p;
  }

 private:
  void warn(const YAML::Node& n, std::string message) {
    warnings_.push_back(Error{ErrorCode::kConfig, std::move(message), locationOf(n, d_.file())});
  }

  void optionalText(const YAML::Node& parent, const char* key, const std::string& what, std::string& out) {
    if (parent[key]) text(parent, key, d_, what, out);
  }

  // parent[key] as a list of non-empty strings (a single string is taken as a list of one).
  std::vector<std::string> strings(const YAML::Node& parent, const char* key, const std::string& what, bool required) {
    std::vector<std::string> out;
    const YAML::Node n = parent[key];
    if (!n) {
      if (required) d_.error(parent, what + ": '" + key + "' is required");
      return out;
    }
    if (n.IsScalar() && !n.Scalar().empty()) return {n.Scalar()};
    if (!n.IsSequence()) {
      d_.error(n, what + "." + key + ": expected a list of strings, got " + config::describeNode(n));
      return out;
    }
    for (const auto& item : n) {
      if (!item.IsScalar() || item.Scalar().empty())
        d_.error(item, what + "." + key + ": expected a non-empty string, got " + config::describeNode(item));
      else
        out.push_back(item.Scalar());
    }
    if (required && n.size() == 0) d_.error(n, what + "." + key + ": an empty list");
    return out;
  }

  std::vector<std::string> roles(const YAML::Node& parent, const char* key, const std::string& what, bool required) {
    std::vector<std::string> out = strings(parent, key, what, required);
    std::vector<std::string> known;
    for (const auto& r : correlator::contactRoles()) known.push_back(r.id);
    const YAML::Node n = parent[key];
    for (size_t i = 0; i < out.size(); ++i)
      if (std::find(known.begin(), known.end(), out[i]) == known.end())
        d_.error(n.IsSequence() ? n[i] : n,
                 what + "." + key + ": unknown role '" + out[i] + "'" + config::suggestKey(out[i], known));
    return out;
  }

  void checkValues(const YAML::Node& n, const std::vector<std::string>& got, const std::vector<std::string>& allowed,
                   const std::string& what) {
    for (size_t i = 0; i < got.size(); ++i)
      if (std::find(allowed.begin(), allowed.end(), got[i]) == allowed.end())
        d_.error(n.IsSequence() ? n[i] : n, what + ": '" + got[i] + "' is not one of " + oneOf(allowed));
  }

  std::optional<int64_t> duration(const YAML::Node& parent, const char* key, const std::string& what, bool required) {
    const YAML::Node n = parent[key];
    if (!n) {
      if (required) d_.error(parent, what + ": '" + key + "' is required");
      return std::nullopt;
    }
    auto secs = n.IsScalar() ? durationSeconds(n.Scalar()) : std::nullopt;
    if (!secs || *secs <= 0) {
      d_.error(n, what + "." + key + ": expected a duration such as 90s, 30m, 1h or 2d, got " + config::describeNode(n));
      return std::nullopt;
    }
    return secs;
  }

  void checkTemplate(const YAML::Node& n, const std::string& value, const std::string& what) {
    std::string error;
    if (!templatePlaceholders(value, error)) d_.error(n, what + ": " + error);
  }

  void readMatch(const YAML::Node& m, const YAML::Node& root, Playbook& p) {
    if (!m) {
      d_.error(root, "playbook: 'match' is required (the rule tags that select this playbook)");
      return;
    }
    if (!m.IsMap()) {
      d_.error(m, "match: expected a mapping (tags, levels, tenants), got " + config::describeNode(m));
      return;
    }
    checkKeys(m, {"tags", "levels", "tenants"}, d_, "match");
    p.match_tags = strings(m, "tags", "match", true);
    p.match_levels = strings(m, "levels", "match", false);
    if (m["levels"]) checkValues(m["levels"], p.match_levels, kLevels, "match.levels");
    p.match_tenants = strings(m, "tenants", "match", false);
  }

  void readCase(const YAML::Node& c, Playbook& p) {
    if (!c) return;
    if (!c.IsMap()) {
      d_.error(c, "case: expected a mapping (group_by, window), got " + config::describeNode(c));
      return;
    }
    checkKeys(c, {"group_by", "window"}, d_, "case");
    p.group_by = strings(c, "group_by", "case", false);
    if (auto w = duration(c, "window", "case", false)) p.window_secs = *w;
  }

  void readReport(const YAML::Node& r, Playbook& p) {
    if (!r) return;
    if (!r.IsSequence()) {
      d_.error(r, "report: expected a list of items (id, label, label_en, from), got " + config::describeNode(r));
      return;
    }
    std::set<std::string> ids;
    for (const auto& item : r) {
      if (!item.IsMap()) {
        d_.error(item, "report: expected an item (id, label, label_en, from), got " + config::describeNode(item));
        continue;
      }
      checkKeys(item, {"id", "label", "label_en", "from"}, d_, "report item");
      ReportItem ri;
      if (text(item, "id", d_, "report item", ri.id) && !ids.insert(ri.id).second)
        d_.error(item["id"], "report item: id '" + ri.id + "' appears twice");
      text(item, "label", d_, "report item", ri.label);
      optionalText(item, "label_en", "report item", ri.label_en);
      if (item["from"] && text(item, "from", d_, "report item", ri.from) && !validPlaceholderPath(ri.from))
        d_.error(item["from"], "report item.from: '" + ri.from +
                                   "' is not a placeholder path (case.…, incident.…, tenant.…, fields.…)");
      p.report.push_back(std::move(ri));
    }
  }

  void readRecord(const YAML::Node& r, const YAML::Node& root, Playbook& p) {
    if (!r) {
      d_.error(root, "playbook: 'recurrence_prevention' is required (the 再発防止 record a case needs to close)");
      return;
    }
    if (!r.IsSequence() || r.size() == 0) {
      d_.error(r, "recurrence_prevention: expected a non-empty list of items (id, label, label_en, required), got " +
                      config::describeNode(r));
      return;
    }
    std::set<std::string> ids;
    for (const auto& item : r) {
      if (!item.IsMap()) {
        d_.error(item, "recurrence_prevention: expected an item (id, label, label_en, required), got " +
                           config::describeNode(item));
        continue;
      }
      checkKeys(item, {"id", "label", "label_en", "required"}, d_, "recurrence_prevention item");
      RecordItem ri;
      if (text(item, "id", d_, "recurrence_prevention item", ri.id) && !ids.insert(ri.id).second)
        d_.error(item["id"], "recurrence_prevention item: id '" + ri.id + "' appears twice");
      text(item, "label", d_, "recurrence_prevention item", ri.label);
      optionalText(item, "label_en", "recurrence_prevention item", ri.label_en);
      if (const YAML::Node req = item["required"])
        if (!req.IsScalar() || !YAML::convert<bool>::decode(req, ri.required))
          d_.error(req, "recurrence_prevention item.required: expected true or false, got " + config::describeNode(req));
      p.recurrence_prevention.push_back(std::move(ri));
    }
    if (std::none_of(p.recurrence_prevention.begin(), p.recurrence_prevention.end(),
                     [](const RecordItem& i) { return i.required; }))
      d_.error(r, "recurrence_prevention: no item is required, so a case could close with an empty record");
  }

  void readHttp(const YAML::Node& h, const std::string& what, Step& s) {
    if (!h.IsMap()) {
      d_.error(h, what + ".http: expected a mapping (method, url, headers, body), got " + config::describeNode(h));
      return;
    }
    checkKeys(h, {"method", "url", "headers", "body"}, d_, what + ".http");
    HttpCall call;
    if (h["method"] && text(h, "method", d_, what + ".http", call.method))
      checkValues(h["method"], {call.method}, kMethods, what + ".http.method");
    if (text(h, "url", d_, what + ".http", call.url)) {
      bool scheme = call.url.rfind("https://", 0) == 0 || call.url.rfind("http://", 0) == 0 ||
                    call.url.rfind("${env:", 0) == 0;
      if (!scheme)
        d_.error(h["url"], what + ".http.url: '" + call.url + "' must start with https://, http:// or ${env:NAME}");
      checkTemplate(h["url"], call.url, what + ".http.url");
    }
    if (const YAML::Node hd = h["headers"]) {
      if (!hd.IsMap()) {
        d_.error(hd, what + ".http.headers: expected a mapping of names to values, got " + config::describeNode(hd));
      } else {
        for (auto it = hd.begin(); it != hd.end(); ++it) {
          if (!it->second.IsScalar()) {
            d_.error(it->second, what + ".http.headers: expected a string value, got " + config::describeNode(it->second));
            continue;
          }
          checkTemplate(it->second, it->second.Scalar(), what + ".http.headers." + it->first.Scalar());
          call.headers[it->first.Scalar()] = it->second.Scalar();
        }
      }
    }
    if (const YAML::Node b = h["body"]) call.body = toJson(b, what + ".http.body");
    s.http = std::move(call);
  }

  // A body as JSON; every string in it is checked as a template.
  nlohmann::json toJson(const YAML::Node& n, const std::string& what) {
    if (n.IsMap()) {
      nlohmann::json out = nlohmann::json::object();
      for (auto it = n.begin(); it != n.end(); ++it)
        out[it->first.Scalar()] = toJson(it->second, what + "." + it->first.Scalar());
      return out;
    }
    if (n.IsSequence()) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : n) out.push_back(toJson(item, what));
      return out;
    }
    if (n.IsScalar()) {
      checkTemplate(n, n.Scalar(), what);
      return n.Scalar();
    }
    return nullptr;
  }

  void readProgram(const YAML::Node& pr, const std::string& what, Step& s) {
    if (!pr.IsMap()) {
      d_.error(pr, what + ".program: expected a mapping (argv, env), got " + config::describeNode(pr));
      return;
    }
    checkKeys(pr, {"argv", "env"}, d_, what + ".program");
    ProgramRun run;
    run.argv = strings(pr, "argv", what + ".program", true);
    const YAML::Node argv = pr["argv"];
    if (!run.argv.empty()) {
      if (run.argv[0].empty() || run.argv[0][0] != '/' || run.argv[0].find("{{") != std::string::npos)
        d_.error(argv.IsSequence() ? argv[0] : argv,
                 what + ".program.argv[0]: '" + run.argv[0] +
                     "' must be an absolute path to the program (it is run directly, never through a shell)");
      for (size_t i = 0; i < run.argv.size(); ++i)
        checkTemplate(argv.IsSequence() ? argv[i] : argv, run.argv[i], what + ".program.argv");
    }
    if (const YAML::Node env = pr["env"]) {
      if (!env.IsMap()) {
        d_.error(env, what + ".program.env: expected a mapping of names to values, got " + config::describeNode(env));
      } else {
        for (auto it = env.begin(); it != env.end(); ++it) {
          if (!it->second.IsScalar()) {
            d_.error(it->second, what + ".program.env: expected a string value, got " + config::describeNode(it->second));
            continue;
          }
          checkTemplate(it->second, it->second.Scalar(), what + ".program.env." + it->first.Scalar());
          run.env[it->first.Scalar()] = it->second.Scalar();
        }
      }
    }
    s.program = std::move(run);
  }

  void readSteps(const YAML::Node& steps, const YAML::Node& root, Playbook& p) {
    if (!steps) {
      d_.error(root, "playbook: 'steps' is required");
      return;
    }
    if (!steps.IsSequence() || steps.size() == 0) {
      d_.error(steps, "steps: expected a non-empty list of steps, got " + config::describeNode(steps));
      return;
    }
    std::map<std::string, size_t> index;  // id → position, for `after`
    std::vector<YAML::Node> nodes;
    for (const auto& n : steps) {
      if (!n.IsMap()) {
        d_.error(n, "steps: expected a step (id, phase, kind …), got " + config::describeNode(n));
        continue;
      }
      Step s;
      s.location = locationOf(n, d_.file());
      std::string what = "step";
      if (text(n, "id", d_, "step", s.id)) {
        what = "step '" + s.id + "'";
        if (!isIdentifier(s.id)) d_.error(n["id"], what + ": the id takes lower-case letters, digits, _ and -");
      }
      std::string kind;
      auto k = kKinds.end();
      if (text(n, "kind", d_, what, kind)) {
        k = kKinds.find(kind);
        if (k == kKinds.end())
          d_.error(n["kind"], what + ".kind: '" + kind + "' is not one of notify, escalate, evidence, approval, action, "
                                     "manual, report");
      }
      std::vector<std::string> keys = {"id", "phase", "kind", "after"};
      if (k != kKinds.end()) {
        s.kind = k->second;
        const auto& extra = kKindKeys.at(s.kind);
        keys.insert(keys.end(), extra.begin(), extra.end());
        checkKeys(n, keys, d_, what + " (" + kind + ")");
      }
      if (text(n, "phase", d_, what, s.phase)) checkValues(n["phase"], {s.phase}, kPhases, what + ".phase");
      s.after = strings(n, "after", what, false);
      for (size_t i = 0; i < s.after.size(); ++i)
        if (!index.count(s.after[i])) {
          const YAML::Node a = n["after"];
          d_.error(a.IsSequence() ? a[i] : a, what + ".after: '" + s.after[i] + "' is not a step before this one");
        }
      if (k != kKinds.end()) readKind(n, what, s);
      if (!s.id.empty() && !index.emplace(s.id, p.steps.size()).second)
        d_.error(n["id"], what + ": the id appears twice");
      p.steps.push_back(std::move(s));
      nodes.push_back(n);
    }
    // A containment action should wait for a person: warn when no approval precedes it in `after`.
    for (size_t i = 0; i < p.steps.size() && i < nodes.size(); ++i) {
      if (p.steps[i].kind != StepKind::kAction) continue;
      if (!approvedBefore(p, index, i))
        warn(nodes[i], "step '" + p.steps[i].id +
                           "': a containment action with no approval step in its 'after' chain runs unattended");
    }
    if (std::none_of(p.steps.begin(), p.steps.end(), [](const Step& s) { return s.kind == StepKind::kReport; }))
      warn(steps, "steps: no report step, so no incident report (報告すべき事項) is produced");
  }

  bool approvedBefore(const Playbook& p, const std::map<std::string, size_t>& index, size_t i) {
    std::vector<size_t> todo = {i};
    std::set<size_t> seen;
    while (!todo.empty()) {
      size_t cur = todo.back();
      todo.pop_back();
      for (const auto& a : p.steps[cur].after) {
        auto it = index.find(a);
        if (it == index.end() || it->second >= cur || !seen.insert(it->second).second) continue;
        if (p.steps[it->second].kind == StepKind::kApproval) return true;
        todo.push_back(it->second);
      }
    }
    return false;
  }

  void readKind(const YAML::Node& n, const std::string& what, Step& s) {
    switch (s.kind) {
      case StepKind::kNotify:
        s.to = roles(n, "to", what, true);
        s.channels = strings(n, "channels", what, false);
        if (n["channels"]) checkValues(n["channels"], s.channels, kChannels, what + ".channels");
        if (n["subject"] && text(n, "subject", d_, what, s.subject)) checkTemplate(n["subject"], s.subject, what + ".subject");
        break;
      case StepKind::kEscalate:
        s.to = roles(n, "to", what, true);
        s.then = roles(n, "then", what, false);
        break;
      case StepKind::kEvidence:
        if (auto b = duration(n, "before", what, false)) s.before_secs = *b;
        break;
      case StepKind::kApproval: {
        std::vector<std::string> r = roles(n, "role", what, true);
        if (r.size() > 1) d_.error(n["role"], what + ".role: one role approves");
        if (!r.empty()) s.role = r[0];
        if (auto t = duration(n, "timeout", what, true)) s.timeout_secs = *t;
        if (text(n, "on_timeout", d_, what, s.on_timeout))
          checkValues(n["on_timeout"], {s.on_timeout}, kOnTimeout, what + ".on_timeout");
        break;
      }
      case StepKind::kAction:
        if (text(n, "target", d_, what, s.target)) checkTemplate(n["target"], s.target, what + ".target");
        if (auto t = duration(n, "timeout", what, false)) s.timeout_secs = *t;
        else if (!n["timeout"]) s.timeout_secs = 30;
        if (n["http"]) readHttp(n["http"], what, s);
        if (n["program"]) readProgram(n["program"], what, s);
        if (n["http"] && n["program"])
          d_.error(n["program"], what + ": an action is an http call or a program, not both");
        else if (!n["http"] && !n["program"])
          d_.error(n, what + ": an action needs 'http' or 'program'");
        break;
      case StepKind::kManual:
        text(n, "text", d_, what, s.text);
        optionalText(n, "text_en", what, s.text_en);
        break;
      case StepKind::kReport:
        break;
    }
  }

  Diagnostics& d_;
  std::vector<Error>& warnings_;
};

void addText(PlaybookLoad& out, const std::string& text, const std::string& file,
             std::map<std::string, Location>& seen) {
  Diagnostics d(file);
  ++out.files;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    d.error(e.mark, "YAML syntax: " + e.msg);
  }
  std::optional<Playbook> p;
  std::vector<Error> warnings;  // kept only for a file that loads: its errors say enough otherwise
  if (d.ok()) {
    try {
      Reader reader(d, warnings);
      p = reader.read(root);
    } catch (const YAML::Exception& e) {
      d.error(e.mark, "cannot read: " + e.msg);  // yaml-cpp throws on some odd documents: still located
      p.reset();
    }
  }
  if (p && d.ok()) {
    auto [it, fresh] = seen.emplace(p->id, p->location);
    if (!fresh)
      d.error(root["playbook"], "playbook '" + p->id + "' is already defined in " + it->second.file + ":" +
                                    std::to_string(it->second.line));
    else
      out.playbooks.push_back(std::move(*p));
  }
  if (d.ok()) out.warnings.insert(out.warnings.end(), warnings.begin(), warnings.end());
  out.errors.insert(out.errors.end(), d.errors().begin(), d.errors().end());
}

}  // namespace

const char* stepKindName(StepKind kind) {
  for (const auto& [name, k] : kKinds)
    if (k == kind) return name.c_str();
  return "?";
}

bool Playbook::matches(const std::vector<std::string>& tags, const std::string& level, const std::string& tenant) const {
  auto has = [](const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); };
  if (!match_levels.empty() && !has(match_levels, level)) return false;
  if (!match_tenants.empty() && !has(match_tenants, tenant)) return false;
  return std::any_of(tags.begin(), tags.end(), [&](const std::string& t) { return has(match_tags, t); });
}

const Playbook* PlaybookLoad::select(const std::vector<std::string>& tags, const std::string& level,
                                     const std::string& tenant) const {
  for (const auto& p : playbooks)
    if (p.matches(tags, level, tenant)) return &p;
  return nullptr;
}

const Playbook* PlaybookLoad::byId(const std::string& id) const {
  for (const auto& p : playbooks)
    if (p.id == id) return &p;
  return nullptr;
}

PlaybookLoad readPlaybookText(const std::string& text, const std::string& file) {
  PlaybookLoad out;
  std::map<std::string, Location> seen;
  addText(out, text, file, seen);
  return out;
}

PlaybookLoad loadPlaybookDirectories(const std::vector<std::string>& dirs, bool missing_ok) {
  PlaybookLoad out;
  std::map<std::string, Location> seen;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      if (!missing_ok) out.errors.push_back(Error{ErrorCode::kConfig, "no such directory of playbooks", Location{dir, 0, 0}});
      continue;
    }
    for (const auto& path : config::yamlFilesUnder(dir, ec)) {
      auto text = config::readWholeFile(path);
      if (!text) {
        out.errors.push_back(Error{ErrorCode::kConfig, "cannot read the file", Location{path.string(), 1, 1}});
        continue;
      }
      addText(out, *text, path.string(), seen);
    }
    if (ec) out.errors.push_back(Error{ErrorCode::kConfig, "cannot list: " + ec.message(), Location{dir, 0, 0}});
  }
  return out;
}

}  // namespace hinomi::playbooks
