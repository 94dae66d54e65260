// Parsers are total: any bytes give an event with raw intact, malformed ones with a reason, and
// nothing throws. Inputs: empty, garbage, NULs, invalid UTF-8, 1 MB lines, deep nesting.
#include <random>

#include <gtest/gtest.h>

#include "common/event.h"
#include "tests/unit/collector/parsers/parser_test_util.h"

namespace hinomi::collector {
namespace {

std::vector<std::string> nastyInputs() {
  std::vector<std::string> v = {
      "", "<", "<>", "<1", "<999>", "<13>", "<13>1", "<13>1 ", "<13>1 -", "<14>1: ", "CEF:",
      "CEF:0|", "CEF:0|a|b|c|d|e|", "CEF:0|a|b|c|d|e|5|=", "CEF:0|a|b|c|d|e|5|k=\\", "{", "{\"a\":",
      "[1,2]", "\"str\"", "{\"a\":{\"b\":[{\"c\":1}]}}", "k=\"unclosed", "=", "==", "Dec",
      "Dec 31 23:59:59", "Feb 29 00:00:00 h a: x", "*Mar  1 00:00:12.345:", "<13>Apr  1 99:99:99 h a: x",
      std::string("<13>1 - h a - - [x@1 k=\"\\", 25), std::string("a\0b\0c", 5),
      std::string("<13>1 - - - - - - \0\0", 20), "\xff\xfe\xfd invalid \xc3\x28 utf8",
      "<13>1 - h a - - [x@1 k=\"\xff\"] \xff", "{\"a\":\"\xff\"}",
  };
  std::mt19937 rng(42);
  for (int i = 0; i < 200; ++i) {
    std::string s(rng() % 300, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    v.push_back(s);
  }
  v.push_back(std::string(1 << 20, 'a'));
  v.push_back("<13>1 - h a - - - " + std::string(1 << 20, 'x'));
  v.push_back("CEF:0|a|b|c|d|e|5|" + std::string(1 << 20, '='));
  v.push_back("<189>" + std::string(1 << 20, '='));
  v.push_back(std::string(1 << 20, '['));
  v.push_back(std::string(1 << 20, '{'));
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
  v.push_back(deep);
  return v;
}

TEST(ParserRobustnessTest, AnyBytesGiveAnEventWithRawKept) {
  auto inputs = nastyInputs();
  for (std::string_view name : {"rfc5424", "rfc3164", "cef", "kv", "json", "auto"}) {
    auto parser = makeParser(name);
    ASSERT_NE(parser, nullptr);
    for (size_t i = 0; i < inputs.size(); ++i) {
      SCOPED_TRACE(std::string(name) + " input #" + std::to_string(i));
      Event e;
      EXPECT_NO_THROW(parser->parse(inputs[i], testing::fixedContext(), e));
      EXPECT_EQ(e.raw, inputs[i]);
      EXPECT_TRUE(e.parse_status == "ok" || (e.malformed() && e.parse_status.size() > 10))
          << e.parse_status;
      EXPECT_NO_THROW(toJson(e));
      EXPECT_TRUE(e.facility >= -1 && e.facility <= 23);
      EXPECT_TRUE(e.severity >= -1 && e.severity <= 7);
    }
  }
}

TEST(ParserRobustnessTest, StructuredParsersFlagWhatIsNotTheirFormat) {
  for (std::string_view name : {"rfc5424", "cef", "kv", "json"}) {
    for (std::string_view bad : {std::string_view("\x01\x02\x03 garbage"), std::string_view("", 0)}) {
      Event e = testing::parseWith(name, bad);
      EXPECT_TRUE(e.malformed()) << name;
      EXPECT_EQ(e.raw, bad);
    }
  }
  EXPECT_EQ(testing::parseWith("json", "[1,2]").parse_status, "malformed:json is not an object");
  EXPECT_EQ(testing::parseWith("json", "{\"a\":").parse_status, "malformed:invalid json");
  EXPECT_EQ(testing::parseWith("cef", "CEF:0|a|b").parse_status,
            "malformed:CEF header has fewer than 8 fields");
  EXPECT_EQ(testing::parseWith("rfc5424", "<13>2 - - - - - -").parse_status, "ok");
  EXPECT_EQ(testing::parseWith("rfc5424", "<13>1 - - - -").parse_status, "malformed:bad procid");
  // 3164 takes anything: garbage is MSG with the default PRI.
  Event e = testing::parseWith("rfc3164", "\x01\x02\x03 garbage");
  EXPECT_FALSE(e.malformed());
  EXPECT_EQ(e.facility, 1);
  EXPECT_EQ(e.severity, 5);
}

TEST(ParserFactoryTest, KnowsEveryFormatName) {
  for (std::string_view name : {"rfc5424", "rfc3164", "cef", "kv", "json", "auto"}) {
    auto p = makeParser(name);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->name(), name);
  }
  EXPECT_EQ(makeParser("leef"), nullptr);
  EXPECT_EQ(makeParser(""), nullptr);
}

}  // namespace
}  // namespace hinomi::collector
