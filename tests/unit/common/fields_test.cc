// Event::fields: lookups through the hash index stay right under every mix of operations, and the
// JSON form is byte for byte what the nlohmann object it replaced wrote.
#include "common/fields.h"

#include <map>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hinomi {
namespace {

std::string reference(const nlohmann::json& v) { return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

TEST(FieldsTest, SetFindOverwriteEraseRename) {
  Fields f;
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(f.find("source.ip"), nullptr);
  f["source.ip"] = "10.0.0.1";
  f["source.port"] = 22;
  f["flow.allowed"] = false;
  ASSERT_NE(f.find("source.ip"), nullptr);
  EXPECT_EQ(f.find("source.ip")->str(), "10.0.0.1");
  EXPECT_EQ(f["source.port"], 22);
  EXPECT_EQ(f["flow.allowed"], false);
  f["source.ip"] = "10.0.0.2";  // overwrite keeps one field
  EXPECT_EQ(f.size(), 3u);
  EXPECT_EQ(f.value("source.ip", ""), "10.0.0.2");
  EXPECT_EQ(f.value("source.port", int64_t(-1)), 22);
  EXPECT_EQ(f.value("missing", "x"), "x");

  EXPECT_TRUE(f.erase("source.ip"));
  EXPECT_FALSE(f.erase("source.ip"));
  EXPECT_FALSE(f.contains("source.ip"));
  EXPECT_EQ(f["source.port"], 22);  // the slot moved by the erase is still found
  EXPECT_EQ(f["flow.allowed"], false);

  f["kv.srcip"] = "192.0.2.1";
  f["source.address"] = "old";
  EXPECT_TRUE(f.rename("kv.srcip", "source.address"));  // replaces the target
  EXPECT_FALSE(f.contains("kv.srcip"));
  EXPECT_EQ(f["source.address"], "192.0.2.1");
  EXPECT_FALSE(f.rename("absent", "x"));
  EXPECT_FALSE(f.contains("x"));
  EXPECT_EQ(f.size(), 3u);
}

TEST(FieldsTest, ClearKeepsNothingVisibleAndTheNextEventStartsEmpty) {
  Fields f;
  for (int i = 0; i < 100; ++i) f["kv.field" + std::to_string(i)] = "a value longer than fifteen bytes " + std::to_string(i);
  EXPECT_EQ(f.size(), 100u);
  f.clear();
  EXPECT_TRUE(f.empty());
  EXPECT_FALSE(f.contains("kv.field7"));
  EXPECT_EQ(f.dump(), "{}");
  f["kv.field7"] = "x";
  EXPECT_EQ(f.size(), 1u);
  EXPECT_EQ(f.dump(), R"({"kv.field7":"x"})");
}

TEST(FieldsTest, NumbersCompareByValueAcrossKinds) {
  EXPECT_EQ(FieldValue(5), FieldValue(5u));
  EXPECT_EQ(FieldValue(5), FieldValue(5.0));
  EXPECT_NE(FieldValue(5), FieldValue("5"));
  EXPECT_NE(FieldValue(true), FieldValue(1));
  EXPECT_EQ(FieldValue(uint64_t(18446744073709551615ull)).kind(), FieldValue::Kind::kUnsigned);
  EXPECT_EQ(FieldValue(uint64_t(7)).kind(), FieldValue::Kind::kInt);
  EXPECT_EQ(FieldValue::fromJson(nlohmann::json::array({1, "a"})), FieldValue::fromJson(nlohmann::json::parse("[1, \"a\"]")));
}

TEST(FieldsTest, TextIsWhatRulesCompare) {
  std::string scratch;
  std::string_view out;
  ASSERT_TRUE(FieldValue(443).text(scratch, out));
  EXPECT_EQ(out, "443");
  ASSERT_TRUE(FieldValue(true).text(scratch, out));
  EXPECT_EQ(out, "true");
  ASSERT_TRUE(FieldValue(0.5).text(scratch, out));
  EXPECT_EQ(out, "0.5");
  EXPECT_FALSE(FieldValue().text(scratch, out));
  EXPECT_FALSE(FieldValue::fromJson(nlohmann::json::array({"x"})).text(scratch, out));
}

// Random operations against std::map<string, json>, the representation fields had before: the same
// answers to every lookup, and the same JSON text, byte for byte.
TEST(FieldsTest, MatchesAJsonObjectUnderRandomOperations) {
  std::mt19937 rng(20261205);
  const std::vector<std::string> names = {"a", "b", "source.ip", "source.port", "destination.ip", "kv.srcip",
                                          "kv.a_rather_long_field_name_here", "user.name", "火の見", "x\x01y",
                                          "event.outcome", "kv.msg", "", "kv.date", "kv.time", "hinomi.decode_errors",
                                          // equal in their first 8 bytes (the sort's integer key), a NUL inside
                                          "kv.a_rather_long", "kv.a_rather_long_field_name_herf", std::string("a\0b", 3),
                                          std::string("a\0", 2), "destination.port"};
  auto randomValue = [&]() -> nlohmann::json {
    switch (rng() % 7) {
      case 0: return int64_t(rng()) - int64_t(1u << 31);
      case 1: return uint64_t(18446744073709551615ull) - rng() % 3;
      case 2: return (rng() % 1000) / 8.0;
      case 3: return rng() % 2 == 0;
      case 4: return nullptr;
      case 5: return nlohmann::json::array({"x", int(rng() % 9)});
      default: return std::string(rng() % 40, char('a' + rng() % 26)) + "\xff";  // invalid UTF-8 too
    }
  };
  for (int round = 0; round < 200; ++round) {
    Fields f;
    nlohmann::json model = nlohmann::json::object();
    for (int op = 0; op < 300; ++op) {
      const std::string& name = rng() % 4 == 0 ? names[rng() % names.size()] : "kv.n" + std::to_string(rng() % 80);
      switch (rng() % 10) {
        case 0: EXPECT_EQ(f.erase(name), model.erase(name) == 1); break;
        case 1: {
          const std::string& to = names[rng() % names.size()];
          bool had = model.contains(name);
          EXPECT_EQ(f.rename(name, to), had);
          if (had && name != to) {
            model[to] = model[name];
            model.erase(name);
          }
          break;
        }
        case 2:
          if (rng() % 8 == 0) {
            f.clear();
            model = nlohmann::json::object();
          }
          break;
        default: {
          auto v = randomValue();
          f[name] = FieldValue::fromJson(v);
          model[name] = v;
        }
      }
      ASSERT_EQ(f.size(), model.size());
      for (const auto& n : names) ASSERT_EQ(f.contains(n), model.contains(n)) << n;
    }
    EXPECT_EQ(f.dump(), reference(model));
    EXPECT_EQ(reference(f.toJson()), reference(model));
    EXPECT_TRUE(f == model);
    Fields copy = f;
    EXPECT_EQ(copy, f);
    Fields assigned;
    assigned["stale"] = 1;
    assigned = f;
    EXPECT_EQ(assigned.dump(), f.dump());
    EXPECT_EQ(Fields::fromJson(model), f);
  }
}

}  // namespace
}  // namespace hinomi
