#include "correlator/incident.h"

#include <regex>

#include <gtest/gtest.h>

namespace hinomi::correlator {
namespace {

Incident sample() {
  Event e;
  e.id = "0194f3a2-0000-7000-8000-000000000001";
  e.ts_us = 1765349743123456;
  e.tenant = "city-a";
  e.fields = {{"source.ip", "5.36.59.76"}, {"source.port", 42393}, {"user.name", "root"}};
  return incidentFromEvent("0b7d1f3e-4c2a-4e8b-9d61-5a3f8e2c1d01", "SSH Password Authentication Failed", "low",
                           {"attack.credential-access", "attack.t1110.001"}, e);
}

TEST(IncidentTest, FromEventFillsTheRecord) {
  auto inc = sample();
  EXPECT_EQ(inc.tenant, "city-a");
  EXPECT_EQ(inc.group, nlohmann::json::object());
  EXPECT_EQ(inc.first_ts_us, 1765349743123456);
  EXPECT_EQ(inc.last_ts_us, inc.first_ts_us);
  EXPECT_EQ(inc.event_count, 1u);
  ASSERT_EQ(inc.event_ids.size(), 1u);
  EXPECT_EQ(inc.event_ids[0], "0194f3a2-0000-7000-8000-000000000001");
  EXPECT_EQ(inc.fields["source.port"], 42393);
}

// Written over an incident that held more (fields, events, a group, tags), it is the same record
// and the same JSON as a fresh one.
TEST(IncidentTest, FromEventOverAnOldIncidentIsAFreshOne) {
  Incident reused;
  reused.group = {{"source.ip", "1.2.3.4"}};
  reused.event_count = 7;
  reused.event_ids = {"a", "b", "c"};
  reused.tags = {"x", "y", "z"};
  for (int i = 0; i < 40; ++i) reused.fields["kv.f" + std::to_string(i)] = std::string(i, 'v');
  Event e;
  e.id = "0194f3a2-0000-7000-8000-000000000001";
  e.ts_us = 1765349743123456;
  e.tenant = "city-a";
  e.fields = {{"source.ip", "5.36.59.76"}, {"source.port", 42393}, {"user.name", "root"}};
  const std::vector<std::string> tags = {"attack.credential-access", "attack.t1110.001"};
  incidentFromEvent(reused, "0b7d1f3e-4c2a-4e8b-9d61-5a3f8e2c1d01", "SSH Password Authentication Failed", "low", tags, e);
  EXPECT_EQ(reused, sample());
  EXPECT_EQ(toJson(reused), toJson(sample()));
}

TEST(IncidentTest, JsonHasFixedKeyOrderAndRoundTrips) {
  auto inc = sample();
  inc.group = {{"source.ip", "5.36.59.76"}};
  inc.last_ts_us += 5000000;
  inc.addEventId("second");
  std::string json = toJson(inc);
  std::vector<std::string> keys = {"\"id\":",       "\"rule_id\":",  "\"title\":",       "\"level\":",
                                   "\"tags\":",     "\"tenant\":",   "\"group\":",       "\"first_ts\":",
                                   "\"last_ts\":",  "\"event_count\":", "\"event_ids\":", "\"fields\":"};
  size_t pos = 0;
  for (const auto& k : keys) {
    size_t at = json.find(k, pos);
    ASSERT_NE(at, std::string::npos) << k << " in " << json;
    pos = at;
  }
  EXPECT_NE(json.find("\"first_ts\":\"2025-12-10T06:55:43.123456Z\""), std::string::npos) << json;
  auto back = incidentFromJson(json);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, inc);
  EXPECT_EQ(toJson(*back), json);
}

TEST(IncidentTest, FromJsonRejectsWrongTypes) {
  EXPECT_FALSE(incidentFromJson("[]").has_value());
  EXPECT_FALSE(incidentFromJson("{\"tags\":\"x\"}").has_value());
  EXPECT_FALSE(incidentFromJson("{\"first_ts\":\"yesterday\"}").has_value());
  EXPECT_FALSE(incidentFromJson("{\"event_count\":-1}").has_value());
}

TEST(IncidentTest, EventIdsAreBounded) {
  Incident inc;
  for (int i = 0; i < 250; ++i) inc.addEventId("e" + std::to_string(i));
  EXPECT_EQ(inc.event_count, 250u);
  EXPECT_EQ(inc.event_ids.size(), Incident::kMaxEventIds);
  EXPECT_EQ(inc.event_ids.back(), "e99");
}

TEST(IncidentTest, IdIsDeterministicAndDependsOnEveryPart) {
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  auto a = sample();
  auto b = sample();
  EXPECT_EQ(a.id, b.id);
  EXPECT_TRUE(std::regex_match(a.id, uuid)) << a.id;
  nlohmann::json g = {{"source.ip", "5.36.59.76"}};
  std::string base = incidentId("r", "t", g, "e");
  EXPECT_EQ(base, incidentId("r", "t", g, "e"));
  EXPECT_NE(base, incidentId("r2", "t", g, "e"));
  EXPECT_NE(base, incidentId("r", "t2", g, "e"));
  EXPECT_NE(base, incidentId("r", "t", nlohmann::json::object(), "e"));
  EXPECT_NE(base, incidentId("r", "t", g, "e2"));
  // Field separators: moving bytes between parts changes the id.
  EXPECT_NE(incidentId("ab", "c", g, "e"), incidentId("a", "bc", g, "e"));
  EXPECT_EQ(stableUuid("a"), stableUuid("a"));
  EXPECT_NE(stableUuid("a"), stableUuid("b"));
  // The prefix form hashes the prefix once and gives the same ids as the whole key.
  const StableUuids ids(std::string("replay\0auth.log\0", 16));
  EXPECT_EQ(ids("42"), stableUuid(std::string("replay\0auth.log\0" "42", 18)));
  EXPECT_EQ(StableUuids("")("abc"), stableUuid("abc"));
  EXPECT_NE(ids("42"), ids("43"));
}

// Ids are stored downstream and compared across versions: the hash must never change silently.
TEST(IncidentTest, IdsArePinned) {
  nlohmann::json g = {{"source.ip", "5.36.59.76"}};
  EXPECT_EQ(incidentId("sshd-failed-password", "katsuragi", g, "e1"), "a6904f17-9f21-873b-815b-40dda91fc8db");
  EXPECT_EQ(stableUuid("replay|auth.log|42"), "1fd35837-c7a0-8e16-8bec-51f80019791e");
}

}  // namespace
}  // namespace hinomi::correlator
