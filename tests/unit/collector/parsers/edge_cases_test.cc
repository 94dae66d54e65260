// Checks the shared syslog edge-case vectors (tests/golden/parsers/syslog_edge_cases.jsonl):
// every expectation we can map onto an Event, vector by vector.
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/unit/collector/parsers/parser_test_util.h"

namespace hinomi::collector {
namespace {

using testing::fixedContext;

// Vectors left out, with the reason.
const std::set<std::string> kSkipped = {
    // Framing vectors belong to collector/framing/, not to a parser.
    "frame-octet-rsyslog", "frame-octet-logger", "frame-huge-len", "frame-nul",
};

// Date parts of an event time in the listener's local time.
int localPart(int64_t ts_us, int32_t offset, size_t pos, size_t len) {
  std::string s = formatRfc3339(ts_us + int64_t(offset) * 1000000);
  return std::stoi(s.substr(pos, len));
}

TEST(SyslogEdgeCasesParserTest, EveryVectorMatchesItsExpectations) {
  std::istringstream in(testing::readFile(testing::goldenDir() + "syslog_edge_cases.jsonl"));
  ParseContext ctx = fixedContext();
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto v = nlohmann::json::parse(line);
    std::string id = v["id"];
    if (kSkipped.count(id)) continue;
    SCOPED_TRACE(id);
    std::string input = v["input"];
    // 5424 vectors go to the strict-ish 5424 parser, the rest through auto-detection.
    Event e = testing::parseWith(id.rfind("5424-", 0) == 0 ? "rfc5424" : "auto", input, ctx);
    EXPECT_EQ(e.raw, input);
    const auto& x = v["expect"];
    bool expect_error = x.value("parse_error", false);
    EXPECT_EQ(e.malformed(), expect_error) << e.parse_status;
    for (auto& [key, want] : x.items()) {
      SCOPED_TRACE(key);
      if (key == "parse_error" || key == "version") continue;  // version is not kept
      if (key == "pri") {
        EXPECT_EQ(e.facility * 8 + e.severity, want.get<int>());
      } else if (key == "facility") {
        EXPECT_EQ(e.facility, want.get<int>());
      } else if (key == "severity") {
        EXPECT_EQ(e.severity, want.get<int>());
      } else if (key == "ts") {
        EXPECT_EQ(e.ts_us, want.is_null() ? ctx.ingest_ts_us : *parseRfc3339(want.get<std::string>()));
      } else if (key == "ts_year") {
        EXPECT_EQ(localPart(e.ts_us, ctx.local_utc_offset_secs, 0, 4), want.get<int>());
      } else if (key == "ts_month") {
        EXPECT_EQ(localPart(e.ts_us, ctx.local_utc_offset_secs, 5, 2), want.get<int>());
      } else if (key == "ts_day") {
        EXPECT_EQ(localPart(e.ts_us, ctx.local_utc_offset_secs, 8, 2), want.get<int>());
      } else if (key == "host") {
        EXPECT_EQ(e.host, want.is_null() ? "" : want.get<std::string>());
      } else if (key == "app") {
        EXPECT_EQ(e.app, want.is_null() ? "" : want.get<std::string>());
      } else if (key == "msg") {
        EXPECT_EQ(e.message, want.is_null() ? "" : want.get<std::string>());
      } else if (key == "procid" || key == "msgid") {
        std::string f = "syslog." + key;
        if (want.is_null()) EXPECT_FALSE(e.fields.contains(f));
        else EXPECT_EQ(e.fields.value(f, ""), want.get<std::string>());
      } else if (key == "seq") {
        EXPECT_EQ(e.fields.value("syslog.sequence", -1), want.get<int>());
      } else if (key == "repeat") {
        EXPECT_EQ(e.fields.value("syslog.repeat_count", -1), want.get<int>());
      } else if (key == "sd") {
        nlohmann::json ids = nlohmann::json::array();
        for (auto& [sd_id, params] : want.items()) {
          ids.push_back(sd_id);
          for (auto& [param, value] : params.items())
            EXPECT_EQ(e.fields.value("syslog.sd." + sd_id + "." + param, "<absent>"),
                      value.get<std::string>());
        }
        if (ids.empty()) EXPECT_FALSE(e.fields.contains("syslog.sd_ids"));
        else EXPECT_EQ(e.fields["syslog.sd_ids"].toJson(), ids);
      } else {
        ADD_FAILURE() << "unmapped expectation " << key;
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, 52);
}

}  // namespace
}  // namespace hinomi::collector
