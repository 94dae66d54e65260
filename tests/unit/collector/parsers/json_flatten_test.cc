// The JSON reading has two engines: simdjson for speed, nlohmann where simdjson refuses a line (and
// the reference, since nlohmann read every line before). On generated documents full of what tells
// them apart (duplicate keys, dotted keys meeting nested ones, -0, numbers past 64 bits, escapes,
// surrogates, raw control bytes, invalid UTF-8, truncation) both must give the same fields and
// refuse the same lines for the same reason.
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "collector/parsers/json_parser.h"

namespace hinomi::collector {
namespace {

struct Reading {
  bool ok = false;
  std::string why;
  std::string fields;  // Fields::dump
  bool operator==(const Reading&) const = default;
};

Reading read(const std::string& text, bool reference) {
  Fields fields;
  const char* why = nullptr;
  Reading r;
  r.ok = flattenJsonObject(text, fields, why, reference);
  r.why = why == nullptr ? "" : why;
  r.fields = fields.dump();
  return r;
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  std::string document() {
    std::string doc = object(0);
    switch (rng_() % 12) {
      case 0: doc.resize(rng_() % (doc.size() + 1)); break;  // truncated
      case 1: doc += " x"; break;                             // trailing text
      case 2: doc = "[" + doc + "]"; break;                   // not an object
      default: break;
    }
    return doc;
  }

 private:
  std::string pick(std::initializer_list<const char*> list) { return *(list.begin() + rng_() % list.size()); }

  std::string key() { return "\"" + pick({"a", "b", "a.b", "ab", "A", "", "k\\u0000", "\\u00e9", "a.b.c", "b"}) + "\""; }

  std::string scalar() {
    switch (rng_() % 6) {
      case 0: return pick({"0", "-0", "-0.0", "1", "-1", "1.0", "1e2", "1E-2", "2.5e+3", "123456789012"});
      case 1: return pick({"9223372036854775807", "9223372036854775808", "18446744073709551615",
                           "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
                           "1e400", "-1e-400", "0.1", "3.141592653589793238"});
      case 2: return pick({"true", "false", "null"});
      default: {
        std::string s = "\"";
        for (int i = 0, n = rng_() % 5; i < n; ++i)
          s += pick({"x", "\\\"", "\\\\", "\\n", "\\u0041", "\\u0000", "\\ud83d\\ude00", "\\ud800", "\t",
                     "\xc3\xa9", "\xe6\x97\xa5", "\xff", "\xc3", "/", "\\/"});
        return s + "\"";
      }
    }
  }

  std::string value(int depth) {
    int kind = rng_() % 10;
    if (kind < 2 && depth < 3) return object(depth + 1);
    if (kind < 3 && depth < 3) {
      std::string a = "[";
      for (int i = 0, n = rng_() % 4; i < n; ++i) a += (i ? "," : "") + (rng_() % 4 ? scalar() : object(depth + 1));
      return a + "]";
    }
    return scalar();
  }

  std::string object(int depth) {
    std::string o = "{";
    for (int i = 0, n = rng_() % 5; i < n; ++i) o += (i ? "," : "") + key() + ":" + value(depth);
    return o + "}";
  }

  std::mt19937 rng_;
};

TEST(JsonFlattenTest, SimdjsonAndNlohmannReadEveryDocumentAlike) {
  Generator gen(20261206);
  int ok = 0, refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string doc = gen.document();
    Reading fast = read(doc, false);
    Reading reference = read(doc, true);
    ASSERT_EQ(fast, reference) << doc << "\nfast: " << fast.ok << " " << fast.why << " " << fast.fields
                               << "\nreference: " << reference.ok << " " << reference.why << " " << reference.fields;
    (fast.ok ? ok : refused)++;
  }
  // Both outcomes occur often: the comparison is not vacuous either way.
  EXPECT_GT(ok, 5000);
  EXPECT_GT(refused, 2000);
}

TEST(JsonFlattenTest, EqualKeysKeepTheLastAndNestedKeysMeetDottedOnes) {
  Fields f;
  const char* why = nullptr;
  ASSERT_TRUE(flattenJsonObject(R"({"a":1,"a":{"b":2},"a.b":3,"x":[1,"y"],"n":-0})", f, why));
  // Sorted as a map: "a" (its last value, an object) before "a.b", so "a.b": 3 is written last.
  EXPECT_EQ(f.dump(), R"({"a.b":3,"n":0,"x":[1,"y"]})");
  Fields g;
  EXPECT_FALSE(flattenJsonObject("{\"a\":\"raw\ttab\"}", g, why));  // JSON forbids it; simdjson alone would not
  EXPECT_STREQ(why, "invalid json");
}

}  // namespace
}  // namespace hinomi::collector
