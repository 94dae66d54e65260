#include "playbooks/case_report.h"

#include <algorithm>

#include "common/text.h"
#include "playbooks/case_context.h"

namespace hinomi::playbooks {
namespace {

using nlohmann::json;

// One phrase in the report's two languages.
struct Phrase {
  const char* ja;
  const char* en;
};

const char* say(ReportLang lang, Phrase p) { return lang == ReportLang::kJa ? p.ja : p.en; }

// The label of a config item: label_en in English when the file gives one.
const std::string& labelOf(ReportLang lang, const std::string& label, const std::string& label_en) {
  return lang == ReportLang::kEn && !label_en.empty() ? label_en : label;
}

// A word from a fixed table (levels, states, kinds) in the report's language; the word itself
// when the table does not know it.
std::string lookup(ReportLang lang, const std::vector<std::pair<const char*, Phrase>>& table, const std::string& word) {
  for (const auto& [key, phrase] : table)
    if (word == key) return say(lang, phrase);
  return word;
}

std::string levelText(ReportLang lang, const std::string& level) {
  static const std::vector<std::pair<const char*, Phrase>> kTable = {
      {"critical", {"緊急", "critical"}}, {"high", {"高", "high"}},          {"medium", {"中", "medium"}},
      {"low", {"低", "low"}},             {"informational", {"情報", "informational"}}};
  std::string t = lookup(lang, kTable, level);
  return lang == ReportLang::kJa && t != level && !level.empty() ? t + " (" + level + ")" : t;
}

std::string caseStateText(ReportLang lang, const std::string& state) {
  static const std::vector<std::pair<const char*, Phrase>> kTable = {
      {"open", {"対応中", "open"}}, {"acknowledged", {"受付済み", "acknowledged"}}, {"closed", {"終結", "closed"}}};
  return lookup(lang, kTable, state);
}

std::string stepStateText(ReportLang lang, const std::string& state) {
  static const std::vector<std::pair<const char*, Phrase>> kTable = {
      {"pending", {"未着手", "pending"}},
      {"waiting", {"待機中", "waiting"}},
      {"running", {"実行中", "running"}},
      {"retry", {"再試行待ち", "retry"}},
      {"done", {"完了", "done"}},
      {"failed", {"失敗", "failed"}},
      {"skipped", {"省略", "skipped"}},
      {"refused", {"拒否（許可リスト外）", "refused (not on the allowlist)"}},
      {"denied", {"却下", "denied"}},
      {"dry_run", {"試行（実行せず）", "dry run (not carried out)"}}};
  return lookup(lang, kTable, state);
}

std::string stepKindText(ReportLang lang, StepKind kind) {
  static const std::vector<std::pair<const char*, Phrase>> kTable = {
      {"notify", {"通知", "notify"}},      {"escalate", {"エスカレーション", "escalate"}},
      {"evidence", {"証拠保全", "evidence"}}, {"approval", {"承認", "approval"}},
      {"action", {"対処", "action"}},      {"manual", {"手作業", "manual"}},
      {"report", {"報告", "report"}}};
  return lookup(lang, kTable, stepKindName(kind));
}

std::string timelineKindText(ReportLang lang, const std::string& kind) {
  static const std::vector<std::pair<const char*, Phrase>> kTable = {
      {"incident", {"インシデント", "incident"}}, {"step", {"手順", "step"}},
      {"acknowledged", {"受付", "acknowledged"}}, {"approved", {"承認", "approved"}},
      {"denied", {"却下", "denied"}},             {"comment", {"コメント", "comment"}},
      {"assigned", {"担当", "assigned"}},         {"closed", {"終結", "closed"}}};
  return lookup(lang, kTable, kind);
}

std::string roleText(ReportLang lang, const std::string& role) {
  static const std::vector<std::pair<const char*, const char*>> kEnglish = {
      {"poc", "Single point of contact (PoC)"},
      {"csirt", "CSIRT"},
      {"security_manager", "Information security manager"},
      {"system_manager", "Information system manager"},
      {"chief_security_officer", "Chief information security officer"},
      {"security_officer", "Information security officer"},
      {"ciso", "CISO"},
      {"security_cloud", "Security cloud operator"},
      {"contractor", "Contractor"},
      {"deputy", "Deputy"}};
  if (lang == ReportLang::kEn) {
    for (const auto& [id, label] : kEnglish)
      if (role == id) return label;
    return role;
  }
  for (const auto& r : correlator::contactRoles())
    if (role == r.id) return r.label;
  return role;
}

// A stored value as text: strings as they are, anything else as its JSON.
std::string valueText(const json& v) {
  if (v.is_null()) return "";
  return v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// The value of `key` in a JSON object of person-written text; "" when absent or blank.
std::string filledValue(const json& object, const std::string& key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end()) return "";
  std::string v = valueText(*it);
  return blank(v) ? "" : v;
}

// What both forms show, worked out once so that they cannot disagree.
struct ReportRow {
  std::string id, label, value, source;  // source: person, case, missing
};

struct ContactRow {
  std::string role, role_label;
  std::vector<const correlator::Contact*> contacts;  // empty: nobody holds the role
};

struct StepRow {
  const Step* step;
  StepRun run;  // the default run (pending) when the case has none for it
};

struct RecordRow {
  std::string id, label, value;
  bool required = true;
};

struct Model {
  std::string title, tenant_name;
  std::vector<ReportRow> report;
  std::vector<ContactRow> contacts;
  std::vector<StepRow> steps;
  std::vector<RecordRow> record;
  std::vector<TimelineEntry> timeline;        // by time: entries are appended as they are handled
  std::vector<std::string> missing_required;  // labels of required record items not filled
  bool any_example = false;
};

Model buildModel(const ReportInput& in, ReportLang lang) {
  const CaseRecord& c = *in.kase;
  const Playbook& pb = *in.playbook;
  Model m;
  m.title = labelOf(lang, pb.title, pb.title_en);
  m.tenant_name = in.tenant && !in.tenant->name.empty() ? in.tenant->name : c.tenant;
  for (const auto& item : pb.report) {
    ReportRow row{item.id, labelOf(lang, item.label, item.label_en), "", "missing"};
    if (std::string v = filledValue(c.report_values, item.id); !v.empty()) {
      row.value = std::move(v);
      row.source = "person";
    } else if (!item.from.empty()) {
      std::string v2 = caseValue(c, in.tenant, item.from);
      if (!blank(v2)) {
        row.value = std::move(v2);
        row.source = "case";
      }
    }
    m.report.push_back(std::move(row));
  }
  for (const auto& role : pb.contacts) {
    ContactRow row{role, roleText(lang, role), {}};
    if (in.tenant) {
      for (const auto& contact : in.tenant->contacts.contacts) {
        if (contact.role != role) continue;
        row.contacts.push_back(&contact);
        m.any_example = m.any_example || contact.example;
      }
    }
    m.contacts.push_back(std::move(row));
  }
  for (const auto& step : pb.steps) {
    auto it = c.steps.find(step.id);
    m.steps.push_back({&step, it == c.steps.end() ? StepRun{} : it->second});
  }
  m.timeline = c.timeline;
  std::stable_sort(m.timeline.begin(), m.timeline.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) { return a.ts_us < b.ts_us; });
  for (const auto& item : pb.recurrence_prevention) {
    RecordRow row{item.id, labelOf(lang, item.label, item.label_en), filledValue(c.record, item.id), item.required};
    if (row.required && row.value.empty()) m.missing_required.push_back(row.label);
    m.record.push_back(std::move(row));
  }
  return m;
}

// `s` with each invalid UTF-8 sequence replaced by U+FFFD: event data may hold any bytes, and
// neither a JSON dump nor a reader should trip over them.
std::string validUtf8(const std::string& s) {
  if (isValidUtf8(s)) return s;
  std::string out;
  out.reserve(s.size() + 8);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8SequenceLength(p + i, s.size() - i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

void sanitize(json& j) {
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    if (!isValidUtf8(s)) s = validUtf8(s);
  } else if (j.is_structured()) {
    for (auto& v : j) sanitize(v);
  }
}

std::string orDash(const std::string& s) { return s.empty() ? "—" : s; }

std::string cell(const std::string& s) { return orDash(markdownCell(s)); }

// "time (by)" for the acknowledged / closed lines.
std::string timeBy(int64_t us, const std::string& by) {
  std::string t = formatJst(us);
  if (!t.empty() && !by.empty()) t += " (" + by + ")";
  return t;
}

void row(std::string& out, std::initializer_list<std::string> cells) {
  out += "|";
  for (const auto& c : cells) out += " " + c + " |";
  out += "\n";
}

void header(std::string& out, std::initializer_list<std::string> cells) {
  row(out, cells);
  out += "|";
  for (size_t i = 0; i < cells.size(); ++i) out += "---|";
  out += "\n";
}

}  // namespace

std::string markdownCell(const std::string& raw) {
  const std::string text = validUtf8(raw);
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    switch (ch) {
      case '\\': case '|': case '`': case '[': case ']':
        out.push_back('\\');
        out.push_back(ch);
        break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out += "<br>";
        break;
      case '\n': out += "<br>"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
          out.push_back(' ');
        else
          out.push_back(ch);
    }
  }
  return out;
}

nlohmann::json reportJson(const ReportInput& in, ReportLang lang) {
  const CaseRecord& c = *in.kase;
  const Playbook& pb = *in.playbook;
  const Model m = buildModel(in, lang);
  json j;
  j["lang"] = lang == ReportLang::kJa ? "ja" : "en";
  j["generated"] = formatJst(in.generated_us);
  j["generated_us"] = in.generated_us;
  j["title"] = m.title;
  j["playbook"] = pb.id;
  j["dry_run"] = pb.dry_run;
  j["case"] = {{"id", c.id},
               {"title", c.title},
               {"rule_id", c.rule_id},
               {"tenant", c.tenant},
               {"tenant_name", m.tenant_name},
               {"level", c.level},
               {"state", c.state},
               {"first_ts", formatJst(c.first_ts_us)},
               {"last_ts", formatJst(caseLastTs(c))},
               {"opened", formatJst(c.opened_us)},
               {"acknowledged", formatJst(c.acknowledged_us)},
               {"acknowledged_by", c.acknowledged_by},
               {"assignee", c.assignee},
               {"contained", formatJst(c.contained_us)},
               {"closed", formatJst(c.closed_us)},
               {"closed_by", c.closed_by},
               {"group", c.group}};
  json report = json::array();
  for (const auto& r : m.report)
    report.push_back({{"id", r.id}, {"label", r.label}, {"value", r.value}, {"source", r.source}});
  j["report"] = std::move(report);
  json contacts = json::array();
  for (const auto& r : m.contacts) {
    json people = json::array();
    for (const auto* p : r.contacts)
      people.push_back({{"name", p->name}, {"email", p->email}, {"phone", p->phone}, {"example", p->example}});
    contacts.push_back({{"role", r.role}, {"label", r.role_label}, {"contacts", std::move(people)}});
  }
  j["contacts"] = std::move(contacts);
  json steps = json::array();
  for (const auto& s : m.steps)
    steps.push_back({{"id", s.step->id},
                     {"phase", s.step->phase},
                     {"kind", stepKindName(s.step->kind)},
                     {"state", s.run.state},
                     {"by", s.run.by},
                     {"finished", formatJst(s.run.finished_us)},
                     {"note", s.run.note}});
  j["steps"] = std::move(steps);
  json incidents = json::array();
  for (const auto& i : in.incidents)
    incidents.push_back({{"id", i.id},
                         {"rule_id", i.rule_id},
                         {"title", i.title},
                         {"level", i.level},
                         {"first_ts", formatJst(i.first_ts_us)},
                         {"last_ts", formatJst(i.last_ts_us)},
                         {"event_count", i.event_count}});
  j["incidents"] = std::move(incidents);
  json timeline = json::array();
  for (const auto& t : m.timeline)
    timeline.push_back({{"ts", formatJst(t.ts_us)}, {"kind", t.kind}, {"ref", t.ref}, {"text", t.text}});
  j["timeline"] = std::move(timeline);
  json items = json::array();
  for (const auto& r : m.record)
    items.push_back({{"id", r.id},
                     {"label", r.label},
                     {"value", r.value},
                     {"required", r.required},
                     {"source", r.value.empty() ? "missing" : "person"}});
  j["recurrence_prevention"] = {
      {"items", std::move(items)}, {"complete", m.missing_required.empty()}, {"missing_required", m.missing_required}};
  sanitize(j);
  return j;
}

std::string reportMarkdown(const ReportInput& in, ReportLang lang) {
  const CaseRecord& c = *in.kase;
  const Playbook& pb = *in.playbook;
  const Model m = buildModel(in, lang);
  const bool ja = lang == ReportLang::kJa;
  std::string out;
  out.reserve(8192);

  out += std::string(say(lang, {"# インシデント報告書: ", "# Incident report: "})) + markdownCell(m.title) + "\n\n";
  if (pb.dry_run)
    out += say(lang, {"> このプレイブックは試行モード (dry_run) です。対処は記録のみで、実行されていません。\n\n",
                      "> This playbook runs in dry-run mode: its actions were recorded, not carried out.\n\n"});
  header(out, {say(lang, {"項目", "Item"}), say(lang, {"内容", "Value"})});
  std::string tenant = m.tenant_name == c.tenant ? m.tenant_name : m.tenant_name + " (" + c.tenant + ")";
  row(out, {say(lang, {"件名", "Subject"}), cell(c.title)});
  row(out, {say(lang, {"事案番号", "Case"}), cell(c.id)});
  row(out, {say(lang, {"団体", "Organisation"}), cell(tenant)});
  row(out, {say(lang, {"対応計画", "Playbook"}), cell(pb.id + " " + m.title)});
  row(out, {say(lang, {"重要度", "Level"}), cell(levelText(lang, c.level))});
  row(out, {say(lang, {"状態", "State"}), cell(caseStateText(lang, c.state))});
  row(out, {say(lang, {"発生日時", "Occurred"}), cell(formatJst(c.first_ts_us))});
  row(out, {say(lang, {"最終検知日時", "Last detected"}), cell(formatJst(caseLastTs(c)))});
  row(out, {say(lang, {"起票日時", "Opened"}), cell(formatJst(c.opened_us))});
  row(out, {say(lang, {"受付日時（受付者）", "Acknowledged (by)"}), cell(timeBy(c.acknowledged_us, c.acknowledged_by))});
  row(out, {say(lang, {"担当者", "Assignee"}), cell(c.assignee)});
  row(out, {say(lang, {"封じ込め日時", "Contained"}), cell(formatJst(c.contained_us))});
  row(out, {say(lang, {"終結日時（終結者）", "Closed (by)"}), cell(timeBy(c.closed_us, c.closed_by))});
  row(out, {say(lang, {"報告書作成日時", "Report generated"}), cell(formatJst(in.generated_us))});
  out += say(lang, {"\n日時はすべて日本時間 (+09:00) です。\n", "\nAll times are Japan time (+09:00).\n"});

  out += say(lang, {"\n## 報告すべき事項\n\n", "\n## Items to report\n\n"});
  if (m.report.empty()) {
    out += say(lang, {"この対応計画は報告事項を定めていません。\n", "The playbook defines no report items.\n"});
  } else {
    header(out, {say(lang, {"項目", "Item"}), say(lang, {"内容", "Value"}), say(lang, {"出典", "Source"})});
    for (const auto& r : m.report) {
      std::string value = r.source == "missing" ? say(lang, {"**未記入**", "**(to be filled in)**"}) : cell(r.value);
      std::string source = r.source == "person" ? say(lang, {"記入", "filled in"})
                           : r.source == "case" ? say(lang, {"事案記録", "from the case"})
                                                : "—";
      row(out, {cell(r.label), value, source});
    }
  }

  out += say(lang, {"\n## 関係者の連絡先\n\n", "\n## Contacts\n\n"});
  header(out, {say(lang, {"役割", "Role"}), say(lang, {"氏名", "Name"}), say(lang, {"メール", "Email"}),
               say(lang, {"電話", "Phone"})});
  for (const auto& r : m.contacts) {
    if (r.contacts.empty()) {
      row(out, {cell(r.role_label), say(lang, {"**未設定**", "**not set**"}), "—", "—"});
      continue;
    }
    for (const auto* p : r.contacts) {
      std::string name = markdownCell(p->name);
      if (p->example) name += say(lang, {" (例)", " (example)"});
      row(out, {cell(r.role_label), orDash(name), cell(p->email), cell(p->phone)});
    }
  }
  if (m.any_example)
    out += say(lang, {"\n(例) の連絡先は仮のものです。団体の実際の連絡先に置き換えてください。\n",
                      "\nContacts marked (example) are placeholders for the organisation to replace.\n"});

  out += say(lang, {"\n## 対応状況\n\n", "\n## Response steps\n\n"});
  header(out, {"#", say(lang, {"手順", "Step"}), say(lang, {"段階", "Phase"}), say(lang, {"種別", "Kind"}),
               say(lang, {"状態", "State"}), say(lang, {"実施者", "By"}), say(lang, {"完了日時", "Finished"}),
               say(lang, {"備考", "Note"})});
  int n = 0;
  for (const auto& s : m.steps) {
    std::string text = ja ? s.step->text : (s.step->text_en.empty() ? s.step->text : s.step->text_en);
    std::string step = markdownCell(s.step->id);
    if (!text.empty()) step += "<br>" + markdownCell(text);
    row(out, {std::to_string(++n), step, cell(s.step->phase), cell(stepKindText(lang, s.step->kind)),
              cell(stepStateText(lang, s.run.state)), cell(s.run.by), cell(formatJst(s.run.finished_us)),
              cell(s.run.note)});
  }

  out += say(lang, {"\n## インシデント\n\n", "\n## Incidents\n\n"});
  if (in.incidents.empty()) {
    out += std::string(say(lang, {"記録されたインシデント: ", "Incidents recorded: "})) +
           std::to_string(c.incident_ids.size()) +
           say(lang, {" 件（詳細は取得できませんでした）。\n", " (details not available).\n"});
  } else {
    header(out, {"ID", say(lang, {"ルール", "Rule"}), say(lang, {"件名", "Title"}), say(lang, {"重要度", "Level"}),
                 say(lang, {"最初のイベント", "First event"}), say(lang, {"最後のイベント", "Last event"}),
                 say(lang, {"イベント数", "Events"})});
    for (const auto& i : in.incidents)
      row(out, {cell(i.id), cell(i.rule_id), cell(i.title), cell(levelText(lang, i.level)),
                cell(formatJst(i.first_ts_us)), cell(formatJst(i.last_ts_us)), std::to_string(i.event_count)});
  }

  out += say(lang, {"\n## 経過\n\n", "\n## Timeline\n\n"});
  if (m.timeline.empty()) {
    out += say(lang, {"記録はありません。\n", "Nothing recorded.\n"});
  } else {
    header(out, {say(lang, {"日時", "Time"}), say(lang, {"種別", "Kind"}), say(lang, {"対象", "Ref"}),
                 say(lang, {"内容", "Text"})});
    for (const auto& t : m.timeline)
      row(out, {cell(formatJst(t.ts_us)), cell(timelineKindText(lang, t.kind)), cell(t.ref), cell(t.text)});
  }

  out += say(lang, {"\n## 再発防止\n\n", "\n## Recurrence prevention\n\n"});
  header(out, {say(lang, {"項目", "Item"}), say(lang, {"内容", "Record"}), say(lang, {"必須", "Required"})});
  for (const auto& r : m.record)
    row(out, {cell(r.label), r.value.empty() ? say(lang, {"**未記入**", "**(to be filled in)**"}) : cell(r.value),
              r.required ? say(lang, {"必須", "required"}) : say(lang, {"任意", "optional"})});
  out += "\n";
  if (m.missing_required.empty()) {
    out += say(lang, {"再発防止の記録: **完了**（必須項目はすべて記入済み）\n",
                      "Recurrence-prevention record: **complete** (every required item is filled in)\n"});
  } else {
    out += say(lang, {"再発防止の記録: **未完了**（未記入の必須項目: ",
                      "Recurrence-prevention record: **incomplete** (required items to fill in: "});
    for (size_t i = 0; i < m.missing_required.size(); ++i) {
      if (i > 0) out += ja ? "、" : ", ";
      out += markdownCell(m.missing_required[i]);
    }
    out += ja ? "）\n" : ")\n";
  }
  return out;
}

}  // namespace hinomi::playbooks
