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
  } catch (const nlohmann::json::exception& e) {
    return makeError(ErrorCode::kInvalidArgument, std::string("a stored case is malformed: ") + e.what());
  }
  return c;
}

}  // namespace hinomi::playbooks
