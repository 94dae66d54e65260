// The responder's intake: duplicates, playbook selection, aggregation into cases by tenant,
// playbook, group and window, and what survives a reopen.
#include <gtest/gtest.h>

#include "playbooks/case_store.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::playbooks {
namespace {

constexpr int64_t kT0 = 1765242000000000;  // 2026-12-09T01:00:00Z
constexpr int64_t kMin = 60 * 1000000LL;

PlaybookLoad playbooks() {
  auto load = readPlaybookText(
      "playbook: pb2\ntitle: マルウェア\nmatch: {tags: [hinomi.playbook.pb2], levels: [critical, high, medium]}\n"
      "case: {group_by: [host.name], window: 1h}\ncontacts: [csirt]\n"
      "steps: [{id: tell, phase: 連絡, kind: notify, to: [csirt]}, {id: report, phase: 再発防止, kind: report}]\n"
      "recurrence_prevention: [{id: cause, label: 原因}]\n",
      "pb2.yaml");
  for (const auto& e : load.errors) ADD_FAILURE() << e.toString();
  return load;
}

correlator::Incident incident(const std::string& id, const std::string& host, int64_t ts, const std::string& level = "high",
                              const std::string& tenant = "katsuragi", const std::string& tag = "hinomi.playbook.pb2") {
  correlator::Incident i;
  i.id = id;
  i.rule_id = "rule-" + id;
  i.title = "Malware Detected";
  i.level = level;
  i.tags = {"attack.execution", tag};
  i.tenant = tenant;
  i.first_ts_us = i.last_ts_us = ts;
  i.event_count = 1;
  i.fields["host.name"] = host;
  return i;
}

TEST(CaseStoreTest, IncidentsAggregateIntoCasesByTenantGroupAndWindow) {
  testing::TempDir dir;
  auto pbs = playbooks();
  auto store = CaseStore::open(dir.path().string() + "/responder");
  ASSERT_TRUE(store.has_value()) << store.error().message;
  using O = Intake::Outcome;
  auto take = [&](const correlator::Incident& i) {
    auto r = (*store)->intake(i, pbs, kT0 + 99);
    EXPECT_TRUE(r.has_value());
    return r.value_or(Intake{});
  };

  Intake a = take(incident("a", "LG-PC044", kT0));
  EXPECT_EQ(a.outcome, O::kOpened);
  Intake again = take(incident("a", "LG-PC044", kT0));
  EXPECT_EQ(again.outcome, O::kDuplicate);
  EXPECT_EQ(again.case_id, a.case_id);
  Intake b = take(incident("b", "LG-PC044", kT0 + 10 * kMin, "critical"));
  EXPECT_EQ(b.outcome, O::kJoined);
  EXPECT_EQ(b.case_id, a.case_id);
  EXPECT_EQ(take(incident("c", "LG-PC045", kT0 + 5 * kMin)).outcome, O::kOpened);     // another host
  EXPECT_EQ(take(incident("d", "LG-PC044", kT0 + 5 * kMin, "high", "shunan")).outcome, O::kOpened);  // another tenant
  Intake late = take(incident("e", "LG-PC044", kT0 + 61 * kMin));                        // past the 1 h window
  EXPECT_EQ(late.outcome, O::kOpened);
  EXPECT_NE(late.case_id, a.case_id);
  EXPECT_EQ(take(incident("f", "LG-PC044", kT0, "low")).outcome, O::kNoPlaybook);        // below the levels
  EXPECT_EQ(take(incident("g", "LG-PC044", kT0, "high", "katsuragi", "hinomi.playbook.pb9")).outcome, O::kNoPlaybook);
  EXPECT_EQ(take(incident("g", "LG-PC044", kT0, "high", "katsuragi", "hinomi.playbook.pb9")).outcome, O::kDuplicate);

  auto kase = (*store)->get(a.case_id);
  ASSERT_TRUE(kase.has_value());
  ASSERT_TRUE(kase->has_value());
  const CaseRecord& c = **kase;
  EXPECT_EQ(c.tenant, "katsuragi");
  EXPECT_EQ(c.playbook, "pb2");
  EXPECT_EQ(c.group, nlohmann::json({{"host.name", "LG-PC044"}}));
  EXPECT_EQ(c.level, "critical");  // raised by the second incident
  EXPECT_EQ(c.incident_ids, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(c.timeline.size(), 2u);
  EXPECT_EQ(c.timeline[1].text, "[critical] Malware Detected");
  EXPECT_EQ(c.window_end_us, kT0 + 60 * kMin);
  EXPECT_EQ(c.opened_us, kT0 + 99);

  auto all = (*store)->list();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 4u);
  auto shunan = (*store)->list("shunan");
  ASSERT_TRUE(shunan.has_value());
  EXPECT_EQ(shunan->size(), 1u);
  EXPECT_FALSE((*store)->get("nope")->has_value());
}

// After a restart the same incidents are duplicates and new ones join the cases stored; a second
// store fed the same incidents names its cases the same.
TEST(CaseStoreTest, ReopenedStoreKeepsCasesAndIdsAreStable) {
  testing::TempDir dir;
  auto pbs = playbooks();
  std::string first_case;
  {
    auto store = CaseStore::open(dir.path().string() + "/one");
    ASSERT_TRUE(store.has_value());
    first_case = (*store)->intake(incident("a", "LG-PC044", kT0), pbs, 1)->case_id;
  }
  auto store = CaseStore::open(dir.path().string() + "/one");
  ASSERT_TRUE(store.has_value());
  EXPECT_EQ((*store)->intake(incident("a", "LG-PC044", kT0), pbs, 2)->outcome, Intake::Outcome::kDuplicate);
  auto joined = (*store)->intake(incident("b", "LG-PC044", kT0 + kMin), pbs, 3);
  EXPECT_EQ(joined->outcome, Intake::Outcome::kJoined);
  EXPECT_EQ(joined->case_id, first_case);

  auto other = CaseStore::open(dir.path().string() + "/two");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ((*other)->intake(incident("a", "LG-PC044", kT0), pbs, 4)->case_id, first_case);
}

}  // namespace
}  // namespace hinomi::playbooks
