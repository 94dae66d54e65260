#include "common/event.h"

#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "common/time.h"

namespace hinomi {
namespace {

Event sshdFailure() {
  Event e;
  e.id = "01936b3c-4e5f-7a1b-8c2d-3e4f5a6b7c8d";
  e.ts_us = parseRfc3339("2026-11-23T12:12:12.123456+09:00").value();
  e.ingest_ts_us = parseRfc3339("2026-11-23T03:12:12.200000Z").value();
  e.tenant = "katsuragi";
  e.listener = "syslog-udp";
  e.host = "lg-srv01";
  e.app = "sshd";
  e.facility = 4;
  e.severity = 6;
  e.message = "Failed password for invalid user admin from 10.20.3.7 port 52144 ssh2";
  e.raw = "<38>Nov 23 12:12:12 lg-srv01 sshd[4121]: " + e.message;
  e.decoder = "sshd";
  e.fields = {{"source.ip", "10.20.3.7"}, {"source.port", 52144}, {"user.name", "admin"},
              {"event.outcome", "failure"}, {"process.pid", 4121}};
  return e;
}

std::string golden(const std::string& name) {
  std::ifstream in(std::string(HINOMI_SOURCE_DIR) + "/tests/golden/event/" + name);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

TEST(EventTest, JsonMatchesGolden) {
  EXPECT_EQ(toJson(sshdFailure()), golden("sshd_failure.json"));
}

TEST(EventTest, MalformedEventWithBinaryRawMatchesGolden) {
  Event e;
  e.id = "01936b3c-4e5f-7a1b-8c2d-000000000001";
  e.ts_us = e.ingest_ts_us = parseRfc3339("2026-11-23T03:12:12Z").value();
  e.tenant = "toyama";
  e.listener = "syslog-tcp";
  e.host = "192.0.2.10";
  e.raw = std::string("<13>\x82\xa0\x00garbage\xff", 15);
  e.message = e.raw;
  e.markMalformed("no-timestamp");
  EXPECT_TRUE(e.malformed());
  EXPECT_EQ(toJson(e), golden("malformed_binary.json"));
}

TEST(EventTest, RoundTripKeepsEveryFieldAndEveryByte) {
  Event e = sshdFailure();
  EXPECT_EQ(eventFromJson(toJson(e)).value(), e);
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(char(i));
  e.raw = bytes;
  e.message = "マイナンバー利用事務系からの通信";
  auto back = eventFromJson(toJson(e));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->raw, bytes);
  EXPECT_EQ(*back, e);
}

TEST(EventTest, InvalidUtf8InTextFieldsBecomesReplacementCharacter) {
  Event e = sshdFailure();
  e.host = "bad\xffhost";
  auto back = eventFromJson(toJson(e));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->host, "bad\xef\xbf\xbdhost");
}

TEST(EventTest, RejectsWhatIsNotAnEvent) {
  EXPECT_FALSE(eventFromJson("not json").has_value());
  EXPECT_FALSE(eventFromJson("[1,2]").has_value());
  EXPECT_FALSE(eventFromJson(R"({"ts":"yesterday"})").has_value());
  EXPECT_FALSE(eventFromJson(R"({"severity":9})").has_value());
  EXPECT_FALSE(eventFromJson(R"({"severity":"high"})").has_value());
  EXPECT_FALSE(eventFromJson(R"({"fields":{"a":{"b":1}}})").has_value());
  EXPECT_FALSE(eventFromJson(R"({"raw":"!!","raw_encoding":"base64"})").has_value());
  auto minimal = eventFromJson(R"({"message":"hello","fields":{"tags":["a","b"]}})");
  ASSERT_TRUE(minimal.has_value());
  EXPECT_EQ(minimal->parse_status, "ok");
  EXPECT_EQ(minimal->severity, -1);
}

TEST(EventTest, IdsAreUniqueTimeOrderedUuidV7) {
  std::set<std::string> ids;
  std::string prev;
  for (int i = 0; i < 10000; ++i) {
    auto id = newEventId(1795403532000000 + int64_t(i) * 1000);
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '7');
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
    EXPECT_GT(id, prev);
    prev = id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 10000u);
}

}  // namespace
}  // namespace hinomi
