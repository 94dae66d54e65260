#include "playbooks/case_record.h"

namespace hinomi::playbooks {

int levelRank(const std::string& level) {
  if (level == "critical") return 4;
  if (level == "high") return 3;
  if (level == "medium") return 2;
  if (level == "low") return 1;
  if (level == "informational") return 0;
  return -1;
}

bool StepRun::finished() const {
  return state == "done" || state == "failed" || state == "skipped" || state == "refused" || state == "denied" ||
         state == "dry_run";
}

bool StepRun::succeeded() const { return state == "done" || state == "dry_run"; }

namespace {

nlohmann::json stepJson(const StepRun& s) {
  return {{"state", s.state},       {"attempts", s.attempts}, {"next_us", s.next_us},
          {"started_us", s.started_us}, {"finished_us", s.finished_us}, {"by", s.by},
          {"note", s.note},         {"delivered", s.delivered}, {"result", s.result}};
}

StepRun stepFromJson(const nlohmann::json& j) {
  StepRun s;
  s.state = j.at("state").get<std::string>();
  s.attempts = j.value("attempts", 0);
  s.next_us = j.value("next_us", int64_t(0));
  s.started_us = j.value("started_us", int64_t(0));
  s.finished_us = j.value("finished_us", int64_t(0));
  s.by = j.value("by", std::string());
  s.note = j.value("note", std::string());
  if (j.contains("delivered")) s.delivered = j.at("delivered").get<std::vector<std::string>>();
  if (j.contains("result")) s.result = j.at("result");
  return s;
}

}  // namespace

nlohmann::json CaseRecord::toJson() const {
  nlohmann::json j;
  j["id"] = id;
  j["tenant"] = tenant;
  j["playbook"] = playbook;
  j["group"] = group;
  j["level"] = level;
  j["state"] = state;
  j["first_ts_us"] = first_ts_us;
  j["window_end_us"] = window_end_us;
  j["opened_us"] = opened_us;
  j["incident_ids"] = incident_ids;
  nlohmann::json tl = nlohmann::json::array();
  for (const auto& t : timeline) tl.push_back({{"ts_us", t.ts_us}, {"kind", t.kind}, {"ref", t.ref}, {"text", t.text}});
  j["timeline"] = std::move(tl);
  j["rule_id"] = rule_id;
  j["title"] = title;
  j["fields"] = fields;
  nlohmann::json st = nlohmann::json::object();
  for (const auto& [id, run] : steps) st[id] = stepJson(run);
  j["steps"] = std::move(st);
  j["acknowledged_us"] = acknowledged_us;
  j["acknowledged_by"] = acknowledged_by;
  j["assignee"] = assignee;
  j["contained_us"] = contained_us;
  j["closed_us"] = closed_us;
  j["closed_by"] = closed_by;
  j["record"] = record;
  j["report_values"] = report_values;
  j["next_us"] = next_us;
  return j;
}

Result<CaseRecord> CaseRecord::fromJson(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return makeError(ErrorCode::kInvalidArgument, "a stored case is not a JSON object");
  CaseRecord c;
  try {
    c.id = j.at("id").get<std::string>();
    c.tenant = j.at("tenant").get<std::string>();
    c.playbook = j.at("playbook").get<std::string>();
    c.group = j.at("group");
    c.level = j.at("level").get<std::string>();
    c.state = j.at("state").get<std::string>();
    c.first_ts_us = j.at("first_ts_us").get<int64_t>();
    c.window_end_us = j.at("window_end_us").get<int64_t>();
    c.opened_us = j.at("opened_us").get<int64_t>();
    c.incident_ids = j.at("incident_ids").get<std::vector<std::string>>();
    for (const auto& t : j.at("timeline"))
      c.timeline.push_back({t.at("ts_us").get<int64_t>(), t.at("kind").get<std::string>(), t.at("ref").get<std::string>(),
                            t.at("text").get<std::string>()});
    // Fields added with the step engine; a case stored before it has none of them.
    c.rule_id = j.value("rule_id", std::string());
    c.title = j.value("title", std::string());
    if (j.contains("fields")) c.fields = j.at("fields");
    if (j.contains("steps"))
      for (const auto& [id, run] : j.at("steps").items()) c.steps[id] = stepFromJson(run);
    c.acknowledged_us = j.value("acknowledged_us", int64_t(0));
    c.acknowledged_by = j.value("acknowledged_by", std::string());
    c.assignee = j.value("assignee", std::string());
    c.contained_us = j.value("contained_us", int64_t(0));
    c.closed_us = j.value("closed_us", int64_t(0));
    c.closed_by = j.value("closed_by", std::string());
    if (j.contains("record")) c.record = j.at("record");
    if (j.contains("report_values")) c.report_values = j.at("report_values");
    c.next_us = j.value("next_us", int64_t(0));
  } catch (const nlohmann::json::exception& e) {
    return makeError(ErrorCode::kInvalidArgument, std::string("a stored case is malformed: ") + e.what());
  }
  return c;
}

}  // namespace hinomi::playbooks
