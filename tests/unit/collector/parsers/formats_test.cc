// Behaviour per format beyond the shared vectors: year inference, zones, Cisco, CEF/kv/JSON
// mappings, auto-detection.
#include <gtest/gtest.h>

#include "tests/unit/collector/parsers/parser_test_util.h"

namespace hinomi::collector {
namespace {

using testing::fixedContext;
using testing::parseWith;

int64_t at(const char* rfc3339) { return *parseRfc3339(rfc3339); }

TEST(Rfc3164ParserTest, YearlessStampTakesTheYearClosestToIngest) {
  ParseContext ctx = fixedContext();
  ctx.ingest_ts_us = at("2026-01-02T00:00:00Z");
  EXPECT_EQ(parseWith("rfc3164", "<13>Dec 31 23:59:58 h a: x", ctx).ts_us,
            at("2025-12-31T23:59:58+09:00"));
  EXPECT_EQ(parseWith("rfc3164", "<13>Jan  2 08:00:00 h a: x", ctx).ts_us,
            at("2026-01-02T08:00:00+09:00"));
  ctx.ingest_ts_us = at("2025-12-31T23:00:00Z");  // a sender whose clock is slightly ahead
  EXPECT_EQ(parseWith("rfc3164", "<13>Jan  1 09:00:01 h a: x", ctx).ts_us,
            at("2026-01-01T09:00:01+09:00"));
}

TEST(Rfc3164ParserTest, LocalOffsetComesFromTheListener) {
  ParseContext ctx = fixedContext();
  ctx.local_utc_offset_secs = 0;
  EXPECT_EQ(parseWith("rfc3164", "<13>Apr  1 09:15:02.250 h a: x", ctx).ts_us,
            at("2025-04-01T09:15:02.25Z"));
  EXPECT_EQ(parseWith("rfc3164", "<38>2025-04-01T09:15:02 h p: x", ctx).ts_us,
            at("2025-04-01T09:15:02Z"));
  EXPECT_EQ(parseWith("rfc3164", "<38>2025-04-01T09:15:02+09:00 h p: x", ctx).ts_us,
            at("2025-04-01T00:15:02Z"));
}

TEST(Rfc3164ParserTest, CiscoSequenceStarAndZone) {
  Event e = parseWith("rfc3164", "<189>123: *Mar  1 00:00:12.345: %SYS-5-CONFIG_I: Configured");
  EXPECT_EQ(e.fields["syslog.sequence"], 123);
  EXPECT_EQ(e.app, "%SYS-5-CONFIG_I");
  EXPECT_EQ(e.host, "");
  EXPECT_EQ(e.message, "Configured");
  EXPECT_EQ(e.ts_us, at("2025-03-01T00:00:12.345+09:00"));
  Event origin = parseWith("rfc3164", "<14>2211: city-rtr01: Apr  1 09:15:02.123 UTC: %LINK-3-UPDOWN: down");
  EXPECT_EQ(origin.host, "city-rtr01");
  EXPECT_EQ(origin.ts_us, at("2025-04-01T09:15:02.123Z"));
  EXPECT_EQ(origin.app, "%LINK-3-UPDOWN");
}

TEST(Rfc3164ParserTest, TagPidAndPeerAsHost) {
  ParseContext ctx = fixedContext();
  ctx.peer = "192.0.2.10";
  Event e = parseWith("rfc3164", "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster\r", ctx);
  EXPECT_EQ(e.host, "LabSZ");
  EXPECT_EQ(e.app, "sshd");
  EXPECT_EQ(e.fields["process.pid"], 24200);
  EXPECT_EQ(e.message, "Invalid user webmaster");
  EXPECT_EQ(e.raw.back(), '\r');
  EXPECT_EQ(parseWith("rfc3164", "<13> [INSPECT] x", ctx).host, "192.0.2.10");
}

TEST(Rfc5424ParserTest, FieldsAndNilHost) {
  ParseContext ctx = fixedContext();
  ctx.peer = "192.0.2.7";
  Event e = parseWith("rfc5424", "<165>1 2025-04-01T09:15:02.123+09:00 - sshd 2210 AUTHFAIL - x", ctx);
  EXPECT_EQ(e.host, "192.0.2.7");
  EXPECT_EQ(e.fields["syslog.procid"], "2210");
  EXPECT_EQ(e.fields["process.pid"], 2210);
  EXPECT_EQ(e.fields["syslog.msgid"], "AUTHFAIL");
  EXPECT_EQ(e.facility, 20);
  EXPECT_EQ(e.severity, 5);
  Event nil = parseWith("rfc5424", "<13>1 - - - - - - x", ctx);
  EXPECT_EQ(nil.ts_us, ctx.ingest_ts_us);
  EXPECT_FALSE(nil.fields.contains("syslog.msgid"));
  EXPECT_FALSE(parseWith("rfc5424", "<13>1 - h a abc - - x").fields.contains("process.pid"));
}

TEST(CefParserTest, HeaderEscapesExtensionAndMappings) {
  Event e = parseWith("cef",
                      "CEF:0|Ven\\|dor|Prod|1.0|100|Port \\\\ scan|7|src=10.0.0.1 spt=1234 "
                      "dst=10.0.0.2 dpt=22 act=blocked by fw suser=a\\=b msg=two words  here cs1=x");
  EXPECT_FALSE(e.malformed()) << e.parse_status;
  EXPECT_EQ(e.fields["cef.device_vendor"], "Ven|dor");
  EXPECT_EQ(e.fields["cef.name"], "Port \\ scan");
  EXPECT_EQ(e.fields["cef.severity"], 7);
  EXPECT_EQ(e.fields["cef.signature_id"], "100");
  EXPECT_EQ(e.app, "Prod");
  EXPECT_EQ(e.fields["source.ip"], "10.0.0.1");
  EXPECT_EQ(e.fields["source.port"], 1234);
  EXPECT_EQ(e.fields["destination.port"], 22);
  EXPECT_EQ(e.fields["event.action"], "blocked by fw");
  EXPECT_EQ(e.fields["source.user.name"], "a=b");
  EXPECT_EQ(e.fields["cef.msg"], "two words  here");
  EXPECT_EQ(e.message, "two words  here");
  EXPECT_EQ(e.fields["cef.cs1"], "x");
}

TEST(CefParserTest, BehindSyslogHeaders) {
  Event a = parseWith("cef", "<132>Apr  1 09:25:11 apexcentral01 CEF:0|T|AV|1|9|Quarantined|3|duser=CITY\\\\taro");
  EXPECT_EQ(a.host, "apexcentral01");
  EXPECT_EQ(a.ts_us, at("2025-04-01T09:25:11+09:00"));
  EXPECT_EQ(a.fields["user.name"], "CITY\\taro");
  EXPECT_EQ(a.message, "Quarantined");
  Event b = parseWith("cef", "<132>1 2025-04-01T00:26:40.000Z siem-gw sophos-siem - - - CEF:0|s|c|1|X|N|8|rt=1743467200000");
  EXPECT_EQ(b.host, "siem-gw");
  EXPECT_EQ(b.app, "c");
  EXPECT_EQ(b.ts_us, 1743467200000000);
  EXPECT_TRUE(parseWith("cef", "<13>Apr  1 09:25:11 h app: plain text").malformed());
}

TEST(KvParserTest, FortiGateFieldsAndTime) {
  Event e = parseWith("kv",
                      "<189>date=2025-04-01 time=09:15:02 devname=\"city-fgt01\" tz=\"+0900\" "
                      "srcip=10.20.1.15 srcport=51544 dstip=203.0.113.80 dstport=443 action=\"deny\" "
                      "user=\"ad\\\"min\" msg=\"a b\"");
  EXPECT_FALSE(e.malformed()) << e.parse_status;
  EXPECT_EQ(e.facility, 23);
  EXPECT_EQ(e.host, "city-fgt01");
  EXPECT_EQ(e.ts_us, at("2025-04-01T00:15:02Z"));
  EXPECT_EQ(e.fields["source.ip"], "10.20.1.15");
  EXPECT_EQ(e.fields["source.port"], 51544);
  EXPECT_EQ(e.fields["destination.ip"], "203.0.113.80");
  EXPECT_EQ(e.fields["destination.port"], 443);
  EXPECT_EQ(e.fields["event.action"], "deny");
  EXPECT_EQ(e.fields["user.name"], "ad\"min");
  EXPECT_EQ(e.fields["kv.devname"], "city-fgt01");
  EXPECT_EQ(e.message, "a b");
  Event h = parseWith("kv", "<13>Apr  1 09:15:02 fw1 src=1.2.3.4 dst=5.6.7.8");
  EXPECT_EQ(h.host, "fw1");
  EXPECT_EQ(h.fields["source.ip"], "1.2.3.4");
  EXPECT_EQ(h.fields["destination.ip"], "5.6.7.8");
  EXPECT_EQ(parseWith("kv", "<13>no pairs here").parse_status, "malformed:no key=value pairs");
}

TEST(KvParserTest, QuotedValuesUnescapeOnlyQuoteAndBackslash) {
  Event e = parseWith("kv", "<13>devname=\"fw 1\" msg=\"a \\\"b\\\" c\" path=\"C:\\\\d\\x\" open=\"no end");
  EXPECT_FALSE(e.malformed()) << e.parse_status;
  EXPECT_EQ(e.host, "fw 1");
  EXPECT_EQ(e.fields["kv.msg"], "a \"b\" c");
  EXPECT_EQ(e.fields["kv.path"], "C:\\d\\x");  // \\ is one backslash; \x stays as written
  EXPECT_EQ(e.fields["kv.open"], "no end");     // an unclosed quote runs to the end
  EXPECT_EQ(e.message, "a \"b\" c");
}

TEST(JsonParserTest, FlattensAndMapsWellKnownKeys) {
  Event e = parseWith("json",
                      R"({"@timestamp":"2025-04-01T00:15:10.123Z","host":{"name":"dc01"},"message":"m",)"
                      R"("event":{"category":["authentication"],"n":{"deep":1}},"a":[{"x":1}],"z":null})");
  EXPECT_FALSE(e.malformed()) << e.parse_status;
  EXPECT_EQ(e.ts_us, at("2025-04-01T00:15:10.123Z"));
  EXPECT_EQ(e.host, "dc01");
  EXPECT_EQ(e.message, "m");
  EXPECT_EQ(e.fields["event.category"].toJson(), nlohmann::json::array({"authentication"}));
  EXPECT_EQ(e.fields["event.n.deep"], 1);
  EXPECT_EQ(e.fields["a"], "[{\"x\":1}]");
  EXPECT_TRUE(e.fields["z"].isNull());
  Event nx = parseWith("json", R"({"EventTime":"2025-04-01 09:15:02","Hostname":"FS01","Message":"x"})");
  EXPECT_EQ(nx.ts_us, at("2025-04-01T00:15:02Z"));
  EXPECT_EQ(nx.host, "FS01");
  Event wrapped = parseWith("json", R"(<14>Apr  1 09:15:02 h nxlog: {"msg":"in syslog"})");
  EXPECT_EQ(wrapped.message, "in syslog");
  EXPECT_EQ(wrapped.host, "h");
}

TEST(AutoParserTest, ASyslogMessageThatIsAJsonObjectIsReadAsJson) {
  // Suricata EVE over syslog (eve-log filetype: syslog): the header gives host and app, the object
  // its fields, as `format: json` reads it.
  Event e = parseWith("auto",
                      "<132>Apr  1 09:25:11 ids01 suricata[2971]: {\"timestamp\":\"2025-04-01T09:25:11.000000+0900\","
                      "\"event_type\":\"alert\",\"src_ip\":\"10.1.2.3\",\"alert\":{\"signature_id\":2013028}}");
  EXPECT_EQ(e.parse_status, "ok");
  EXPECT_EQ(e.host, "ids01");
  EXPECT_EQ(e.app, "suricata");
  EXPECT_EQ(e.fields["event_type"], "alert");
  EXPECT_EQ(e.fields["alert.signature_id"], 2013028);
  Event f = parseWith("auto", "<13>1 2025-04-01T09:25:11Z h zeek - - - {\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\"}");
  EXPECT_EQ(f.parse_status, "ok");
  EXPECT_EQ(f.app, "zeek");
  EXPECT_EQ(f.fields["id.orig_h"], "10.0.0.1");
  // Only looks like JSON: the syslog reading stays, message and all.
  Event g = parseWith("auto", "<13>Apr  1 09:15:02 host app: {not json}");
  EXPECT_EQ(g.parse_status, "ok");
  EXPECT_EQ(g.app, "app");
  EXPECT_EQ(g.message, "{not json}");
  EXPECT_TRUE(g.fields.empty() || !g.fields.contains("not json"));
}

TEST(AutoParserTest, RoutesByFirstBytes) {
  EXPECT_TRUE(parseWith("auto", "<13>1 - h a - - - x").fields.empty());
  EXPECT_EQ(parseWith("auto", "{\"msg\":\"j\"}").message, "j");
  EXPECT_EQ(parseWith("auto", "CEF:0|v|p|1|s|n|5|src=1.1.1.1").app, "p");
  EXPECT_EQ(parseWith("auto", "<132>Apr  1 09:25:11 av CEF:0|v|p|1|s|n|5|").app, "p");
  EXPECT_EQ(parseWith("auto", "<189>date=2025-04-01 srcip=1.1.1.1").fields["source.ip"], "1.1.1.1");
  EXPECT_EQ(parseWith("auto", "<13>Apr  1 09:15:02 host app: x").app, "app");
  Event bad = parseWith("auto", "<13>1 2025-02-30T00:00:00Z h a - - - x");
  EXPECT_EQ(bad.parse_status, "malformed:bad timestamp");
  EXPECT_EQ(bad.raw, "<13>1 2025-02-30T00:00:00Z h a - - - x");
}

}  // namespace
}  // namespace hinomi::collector
