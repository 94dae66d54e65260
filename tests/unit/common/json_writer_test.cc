#include "common/json_writer.h"

#include <random>

#include <gtest/gtest.h>

#include "common/event.h"
#include "common/time.h"

namespace hinomi::json {
namespace {

std::string reference(const nlohmann::json& v) { return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

TEST(JsonWriter, EscapesLikeNlohmann) {
  for (std::string s : {std::string(""), std::string("plain"), std::string("q\"b\\s/\t\n\r\b\f"),
                        std::string("\x01\x1f\x7f", 3), std::string("\0nul", 4), std::string("火の見")}) {
    std::string out;
    appendText(out, s);
    EXPECT_EQ(out, reference(s)) << s;
  }
}

TEST(JsonWriter, InvalidUtf8IsRefusedByAppendStringAndReplacedByAppendText) {
  for (std::string s : {std::string("\xff"), std::string("ok\xc0\xafok"), std::string("\xed\xa0\x80"),
                        std::string("\xf4\x90\x80\x80"), std::string("cut\xe7\x81")}) {
    std::string strict = "keep";
    EXPECT_FALSE(appendString(strict, s));
    EXPECT_EQ(strict, "keep");
    std::string text;
    appendText(text, s);
    EXPECT_EQ(text, reference(s));
    EXPECT_NE(text.find("\xef\xbf\xbd"), std::string::npos);
  }
}

TEST(JsonWriter, RandomBytesMatchNlohmann) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    // Short strings dense with UTF-8 lead/continuation bytes, and long mostly-printable ones with
    // a rare special byte (the word-at-a-time path and its boundaries).
    const bool dense = round % 2 == 0;
    std::string s(dense ? rng() % 24 : rng() % 80, '\0');
    for (auto& c : s) {
      const uint32_t r = rng();
      if (dense) c = char(r % 3 == 0 ? 0x80 + (r >> 8) % 0x80 : (r >> 8) % 0x80);
      else c = char(r % 29 == 0 ? (r >> 8) % 256 : 0x20 + (r >> 8) % 0x5F);
    }
    std::string out;
    appendText(out, s);
    ASSERT_EQ(out, reference(s)) << round;
  }
}

TEST(JsonWriter, ValuesMatchNlohmann) {
  nlohmann::json v = {{"int", -42},      {"uint", uint64_t(1) << 63}, {"float", 0.1},
                      {"bool", true},    {"null", nullptr},          {"text", "a\"b"},
                      {"nested", {{"array", {1, "two", 3.5}}}}};
  std::string out;
  appendValue(out, v);
  EXPECT_EQ(out, reference(v));
}

TEST(JsonWriter, EventJsonIsWhatNlohmannWouldWrite) {
  Event e;
  e.id = newEventId(1763867532123456);
  e.ts_us = 1763867532123456;
  e.ingest_ts_us = 1763867533000001;
  e.tenant = "town-a";
  e.listener = "syslog-tcp";
  e.host = "fw\x01";
  e.app = "sshd";
  e.facility = 4;
  e.message = "bad \xff byte";
  e.raw = "<38>raw \xfe";
  e.fields = {{"source.ip", "203.0.113.5"}, {"source.port", 50022}, {"ok", false}};
  nlohmann::ordered_json j;
  j["id"] = e.id;
  j["ts"] = formatRfc3339(e.ts_us);
  j["ingest_ts"] = formatRfc3339(e.ingest_ts_us);
  j["tenant"] = e.tenant;
  j["listener"] = e.listener;
  j["host"] = e.host;
  j["app"] = e.app;
  j["facility"] = 4;
  j["severity"] = nullptr;
  j["message"] = e.message;
  j["raw"] = "PDM4PnJhdyD+";
  j["raw_encoding"] = "base64";
  j["parse_status"] = "ok";
  j["decoder"] = "";
  j["fields"] = e.fields.toJson();
  EXPECT_EQ(toJson(e), j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace
}  // namespace hinomi::json
