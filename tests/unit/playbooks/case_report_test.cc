// The incident report: the shipped pb3 playbook over a hand-built case, in Japanese and English,
// Markdown and JSON with the same figures; event data cannot break the Markdown.
#include "playbooks/case_report.h"

#include <gtest/gtest.h>

#include <map>

#include "common/time.h"
#include "playbooks/playbook_loader.h"

namespace hinomi::playbooks {
namespace {

int64_t at(const char* rfc3339) { return *parseRfc3339(rfc3339); }

class CaseReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    load_ = loadPlaybookDirectories({std::string(HINOMI_SOURCE_DIR) + "/config/playbooks"});
    for (const auto& e : load_.errors) ADD_FAILURE() << e.toString();
    pb_ = load_.byId("pb3");
    ASSERT_NE(pb_, nullptr);

    c_.id = "case-0001";
    c_.tenant = "katsuragi";
    c_.playbook = "pb3";
    c_.level = "high";
    c_.state = "acknowledged";
    c_.rule_id = "win.logon.bruteforce_success";
    c_.title = "パスワード推測の後のログオン成功";
    c_.first_ts_us = at("2026-12-09T01:15:00Z");  // 10:15 JST
    c_.opened_us = at("2026-12-09T01:15:05Z");
    c_.acknowledged_us = at("2026-12-09T01:20:00Z");
    c_.acknowledged_by = "tanaka";
    c_.incident_ids = {"inc-1", "inc-2"};
    c_.fields = {{"user.name", "yamada"}, {"source.ip", "203.0.113.7"}};
    c_.timeline = {{c_.first_ts_us, "incident", "inc-1", "first incident"},
                   {at("2026-12-09T01:40:00Z"), "incident", "inc-2", "second incident"},
                   {c_.acknowledged_us, "acknowledged", "", "tanaka"}};
    StepRun done;
    done.state = "done";
    done.finished_us = at("2026-12-09T01:15:10Z");
    done.note = "sent to 3 contacts";
    c_.steps["notify_csirt"] = done;
    StepRun waiting;
    waiting.state = "waiting";
    c_.steps["approve_disable"] = waiting;
    StepRun refused;
    refused.state = "refused";
    refused.note = "not on the containment allowlist";
    c_.steps["block_source"] = refused;
    c_.report_values = {{"status", "アカウントを停止済み"}};
    c_.record = {{"root_cause", "使い回しのパスワード"}};

    tenant_.tenant = "katsuragi";
    tenant_.name = "葛城市";
    tenant_.contacts.contacts = {
        {"csirt", "CSIRT 当番", "csirt@example.jp", "0745-00-0000", "", true},
        {"csirt", "情報政策課", "johoseisaku@example.jp", "", "", false},
        {"poc", "統一窓口", "poc@example.jp", "0745-00-0001", "", true},
    };

    in_.kase = &c_;
    in_.playbook = pb_;
    in_.tenant = &tenant_;
    correlator::Incident inc;
    inc.id = "inc-1";
    inc.rule_id = c_.rule_id;
    inc.title = c_.title;
    inc.level = "high";
    inc.first_ts_us = c_.first_ts_us;
    inc.last_ts_us = at("2026-12-09T01:16:00Z");
    inc.event_count = 12;
    in_.incidents = {inc};
    in_.generated_us = at("2026-12-09T03:00:00Z");
  }

  // The Markdown line holding `needle`.
  static std::string lineWith(const std::string& md, const std::string& needle) {
    size_t pos = md.find(needle);
    if (pos == std::string::npos) return "";
    size_t start = md.rfind('\n', pos);
    size_t end = md.find('\n', pos);
    return md.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1));
  }

  PlaybookLoad load_;
  const Playbook* pb_ = nullptr;
  CaseRecord c_;
  correlator::TenantPolicy tenant_;
  ReportInput in_;
};

// Pipes that end a cell: those not escaped with a backslash.
int cellBorders(const std::string& line) {
  int n = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;
    } else if (line[i] == '|') {
      ++n;
    }
  }
  return n;
}

TEST_F(CaseReportTest, JapaneseMarkdownHoldsEveryPart) {
  const std::string md = reportMarkdown(in_, ReportLang::kJa);
  SCOPED_TRACE(md);
  EXPECT_EQ(md.rfind("# インシデント報告書: 不正アクセス・アカウント侵害\n", 0), 0u);
  EXPECT_NE(md.find("| 件名 | パスワード推測の後のログオン成功 |"), std::string::npos);
  EXPECT_NE(md.find("| 事案番号 | case-0001 |"), std::string::npos);
  EXPECT_NE(md.find("| 団体 | 葛城市 (katsuragi) |"), std::string::npos);
  EXPECT_NE(md.find("| 重要度 | 高 (high) |"), std::string::npos);
  EXPECT_NE(md.find("| 状態 | 受付済み |"), std::string::npos);
  EXPECT_NE(md.find("| 発生日時 | 2026-12-09T10:15:00+09:00 |"), std::string::npos);
  EXPECT_NE(md.find("| 最終検知日時 | 2026-12-09T10:40:00+09:00 |"), std::string::npos);
  EXPECT_NE(md.find("| 受付日時（受付者） | 2026-12-09T10:20:00+09:00 (tanaka) |"), std::string::npos);
  EXPECT_NE(md.find("| 封じ込め日時 | — |"), std::string::npos);
  EXPECT_NE(md.find("| 報告書作成日時 | 2026-12-09T12:00:00+09:00 |"), std::string::npos);

  // 報告すべき事項: from the case, filled by a person, or flagged.
  EXPECT_NE(md.find("## 報告すべき事項"), std::string::npos);
  EXPECT_NE(md.find("| 発生日時・発見者 | 2026-12-09T10:15:00+09:00 | 事案記録 |"), std::string::npos);
  EXPECT_NE(md.find("| 対象アカウント | yamada | 事案記録 |"), std::string::npos);
  EXPECT_NE(md.find("| 接続元 | 203.0.113.7 | 事案記録 |"), std::string::npos);
  EXPECT_NE(md.find("| 対象端末・システム | **未記入** | — |"), std::string::npos);  // from: a field the case lacks
  EXPECT_NE(md.find("| アクセスされた情報の機密性・影響人数 | **未記入** | — |"), std::string::npos);
  EXPECT_NE(md.find("| 現在の状況と講じた措置 | アカウントを停止済み | 記入 |"), std::string::npos);

  // 関係者の連絡先: every holder of a role, examples marked, roles nobody holds flagged.
  EXPECT_NE(md.find("| CSIRT | CSIRT 当番 (例) | csirt@example.jp | 0745-00-0000 |"), std::string::npos);
  EXPECT_NE(md.find("| CSIRT | 情報政策課 | johoseisaku@example.jp | — |"), std::string::npos);
  EXPECT_NE(md.find("| 統一的な窓口 (PoC) | 統一窓口 (例) |"), std::string::npos);
  EXPECT_NE(md.find("| 委託事業者 | **未設定** | — | — |"), std::string::npos);
  EXPECT_NE(md.find("(例) の連絡先は仮のもの"), std::string::npos);

  // 対応状況: every step in order with its state.
  EXPECT_NE(lineWith(md, "| 1 | notify_csirt").find("| 完了 |"), std::string::npos);
  EXPECT_NE(lineWith(md, "notify_csirt").find("2026-12-09T10:15:10+09:00"), std::string::npos);
  EXPECT_NE(lineWith(md, "notify_csirt").find("sent to 3 contacts"), std::string::npos);
  EXPECT_NE(lineWith(md, "| approve_disable").find("| 待機中 |"), std::string::npos);
  EXPECT_NE(lineWith(md, "| block_source").find("| 拒否（許可リスト外） |"), std::string::npos);
  EXPECT_NE(lineWith(md, "| recover").find("| 未着手 |"), std::string::npos);
  EXPECT_LT(md.find("| 1 | notify_csirt"), md.find("| 13 | report |"));

  EXPECT_NE(md.find("| inc-1 | win.logon.bruteforce_success | パスワード推測の後のログオン成功 | 高 (high) | "
                    "2026-12-09T10:15:00+09:00 | 2026-12-09T10:16:00+09:00 | 12 |"),
            std::string::npos);
  EXPECT_NE(md.find("| 2026-12-09T10:40:00+09:00 | インシデント | inc-2 | second incident |"), std::string::npos);

  // 再発防止: one required item filled, two not.
  EXPECT_NE(md.find("| 原因 | 使い回しのパスワード | 必須 |"), std::string::npos);
  EXPECT_NE(md.find("| 対策 | **未記入** | 必須 |"), std::string::npos);
  EXPECT_NE(md.find("| 委託事業者との契約に基づく措置 | **未記入** | 任意 |"), std::string::npos);
  EXPECT_NE(md.find("再発防止の記録: **未完了**（未記入の必須項目: 対策、CISO・情報セキュリティ委員会への報告）"),
            std::string::npos);
}

TEST_F(CaseReportTest, EnglishMarkdownUsesTheEnglishLabels) {
  const std::string md = reportMarkdown(in_, ReportLang::kEn);
  SCOPED_TRACE(md);
  EXPECT_EQ(md.rfind("# Incident report: Unauthorised access / account compromise\n", 0), 0u);
  EXPECT_NE(md.find("| Organisation | 葛城市 (katsuragi) |"), std::string::npos);
  EXPECT_NE(md.find("| Level | high |"), std::string::npos);
  EXPECT_NE(md.find("| Acknowledged (by) | 2026-12-09T10:20:00+09:00 (tanaka) |"), std::string::npos);
  EXPECT_NE(md.find("| When it happened and who found it | 2026-12-09T10:15:00+09:00 | from the case |"),
            std::string::npos);
  EXPECT_NE(md.find("| Account | yamada | from the case |"), std::string::npos);
  EXPECT_NE(md.find("| Host or system | **(to be filled in)** | — |"), std::string::npos);
  EXPECT_NE(md.find("| Current status and measures taken | アカウントを停止済み | filled in |"), std::string::npos);
  EXPECT_NE(md.find("| CSIRT | CSIRT 当番 (example) | csirt@example.jp |"), std::string::npos);
  EXPECT_NE(md.find("| Contractor | **not set** |"), std::string::npos);
  EXPECT_NE(lineWith(md, "| approve_disable").find("| waiting |"), std::string::npos);
  EXPECT_NE(lineWith(md, "| recover").find("Re-enable the account"), std::string::npos);
  EXPECT_NE(md.find("| Root cause | 使い回しのパスワード | required |"), std::string::npos);
  EXPECT_NE(md.find("| Fix | **(to be filled in)** | required |"), std::string::npos);
  EXPECT_NE(md.find("**incomplete** (required items to fill in: Fix, Reported to the CISO and the committee)"),
            std::string::npos);
  EXPECT_EQ(md.find("報告すべき事項"), std::string::npos);
}

TEST_F(CaseReportTest, EventDataCannotBreakOrInjectIntoTheMarkdown) {
  const std::string evil = "evil|`<script>\nalert(1)";
  c_.fields["user.name"] = evil;
  c_.title = "t|[x](http://bad)\r\n# heading";
  c_.timeline.push_back({at("2026-12-09T02:00:00Z"), "comment", "a|b", "line1\nline2|`x`"});
  for (ReportLang lang : {ReportLang::kJa, ReportLang::kEn}) {
    const std::string md = reportMarkdown(in_, lang);
    SCOPED_TRACE(md);
    EXPECT_EQ(md.find("<script>"), std::string::npos);
    EXPECT_EQ(md.find("[x](http"), std::string::npos);  // the brackets are escaped: no link
    EXPECT_EQ(md.find("\n# heading"), std::string::npos);
    const std::string account = lineWith(md, "evil");
    EXPECT_EQ(cellBorders(account), 4) << account;  // three cells, one line
    EXPECT_NE(account.find("evil\\|\\`&lt;script&gt;<br>alert(1)"), std::string::npos) << account;
    EXPECT_EQ(cellBorders(lineWith(md, "line1")), 5);
    EXPECT_EQ(cellBorders(lineWith(md, "http://bad")), 3);
  }
  // JSON is plain data: the value as it is.
  const auto j = reportJson(in_, ReportLang::kJa);
  EXPECT_EQ(j["report"][1]["value"], evil);
  // Bytes that are not UTF-8 (a raw field) become U+FFFD in both forms: a dump cannot throw.
  c_.title = "bad \xff title";
  EXPECT_NO_THROW(reportJson(in_, ReportLang::kJa).dump());
  EXPECT_EQ(reportJson(in_, ReportLang::kJa)["case"]["title"], "bad \xEF\xBF\xBD title");
  EXPECT_NE(reportMarkdown(in_, ReportLang::kJa).find("| 件名 | bad \xEF\xBF\xBD title |"), std::string::npos);
  EXPECT_EQ(markdownCell("a\\|b"), "a\\\\\\|b");  // a backslash in data cannot undo an escape
}

TEST_F(CaseReportTest, JsonHoldsTheSameValuesAndSources) {
  const auto j = reportJson(in_, ReportLang::kJa);
  EXPECT_EQ(j["lang"], "ja");
  EXPECT_EQ(j["title"], "不正アクセス・アカウント侵害");
  EXPECT_EQ(j["case"]["id"], "case-0001");
  EXPECT_EQ(j["case"]["tenant_name"], "葛城市");
  EXPECT_EQ(j["case"]["first_ts"], "2026-12-09T10:15:00+09:00");
  EXPECT_EQ(j["case"]["acknowledged_by"], "tanaka");
  EXPECT_EQ(j["case"]["contained"], "");
  ASSERT_EQ(j["report"].size(), pb_->report.size());
  std::map<std::string, std::pair<std::string, std::string>> report;
  for (const auto& r : j["report"]) report[r["id"]] = {r["value"], r["source"]};
  EXPECT_EQ(report["occurred"], std::make_pair(std::string("2026-12-09T10:15:00+09:00"), std::string("case")));
  EXPECT_EQ(report["account"], std::make_pair(std::string("yamada"), std::string("case")));
  EXPECT_EQ(report["source"], std::make_pair(std::string("203.0.113.7"), std::string("case")));
  EXPECT_EQ(report["host"], std::make_pair(std::string(), std::string("missing")));
  EXPECT_EQ(report["data_class"], std::make_pair(std::string(), std::string("missing")));
  EXPECT_EQ(report["status"], std::make_pair(std::string("アカウントを停止済み"), std::string("person")));

  ASSERT_EQ(j["contacts"].size(), pb_->contacts.size());
  EXPECT_EQ(j["contacts"][1]["role"], "csirt");
  ASSERT_EQ(j["contacts"][1]["contacts"].size(), 2u);
  EXPECT_EQ(j["contacts"][1]["contacts"][0]["example"], true);
  EXPECT_EQ(j["contacts"][1]["contacts"][1]["email"], "johoseisaku@example.jp");
  EXPECT_TRUE(j["contacts"][6]["contacts"].empty());  // contractor

  ASSERT_EQ(j["steps"].size(), pb_->steps.size());
  EXPECT_EQ(j["steps"][0]["id"], "notify_csirt");
  EXPECT_EQ(j["steps"][0]["state"], "done");
  EXPECT_EQ(j["steps"][0]["finished"], "2026-12-09T10:15:10+09:00");
  EXPECT_EQ(j["steps"][0]["kind"], "notify");
  EXPECT_EQ(j["steps"][0]["phase"], "連絡");
  EXPECT_EQ(j["steps"][2]["state"], "pending");
  ASSERT_EQ(j["incidents"].size(), 1u);
  EXPECT_EQ(j["incidents"][0]["event_count"], 12);
  ASSERT_EQ(j["timeline"].size(), 3u);  // in time order, not the order they were appended
  EXPECT_EQ(j["timeline"][1]["kind"], "acknowledged");
  EXPECT_EQ(j["timeline"][2]["ts"], "2026-12-09T10:40:00+09:00");

  const auto& rp = j["recurrence_prevention"];
  EXPECT_EQ(rp["complete"], false);
  EXPECT_EQ(rp["missing_required"], nlohmann::json({"対策", "CISO・情報セキュリティ委員会への報告"}));
  EXPECT_EQ(rp["items"][0]["value"], "使い回しのパスワード");
  EXPECT_EQ(rp["items"][0]["source"], "person");
  EXPECT_EQ(rp["items"][3]["required"], false);

  const auto en = reportJson(in_, ReportLang::kEn);
  EXPECT_EQ(en["title"], "Unauthorised access / account compromise");
  EXPECT_EQ(en["report"][1]["label"], "Account");
  EXPECT_EQ(en["report"][1]["value"], "yamada");
  EXPECT_EQ(en["recurrence_prevention"]["missing_required"],
            nlohmann::json({"Fix", "Reported to the CISO and the committee"}));
}

TEST_F(CaseReportTest, TheRecordIsCompleteOnceEveryRequiredItemIsFilled) {
  c_.record["fix"] = "   ";  // blank is not filled
  c_.record["reported_to"] = "12/10 情報セキュリティ委員会で報告";
  EXPECT_EQ(reportJson(in_, ReportLang::kJa)["recurrence_prevention"]["complete"], false);
  c_.record["fix"] = "多要素認証を必須にした";
  const auto j = reportJson(in_, ReportLang::kJa);
  EXPECT_EQ(j["recurrence_prevention"]["complete"], true);
  EXPECT_TRUE(j["recurrence_prevention"]["missing_required"].empty());
  EXPECT_NE(reportMarkdown(in_, ReportLang::kJa).find("再発防止の記録: **完了**"), std::string::npos);
  EXPECT_NE(reportMarkdown(in_, ReportLang::kEn).find("Recurrence-prevention record: **complete**"),
            std::string::npos);
}

TEST_F(CaseReportTest, WithoutATenantPolicyContactsAreNotSet) {
  in_.tenant = nullptr;
  in_.incidents.clear();
  const std::string md = reportMarkdown(in_, ReportLang::kJa);
  SCOPED_TRACE(md);
  EXPECT_NE(md.find("| 団体 | katsuragi |"), std::string::npos);
  EXPECT_NE(md.find("| CSIRT | **未設定** | — | — |"), std::string::npos);
  EXPECT_NE(md.find("記録されたインシデント: 2 件"), std::string::npos);
  EXPECT_EQ(reportJson(in_, ReportLang::kEn)["case"]["tenant_name"], "katsuragi");
}

}  // namespace
}  // namespace hinomi::playbooks
