// The reader (good rules, each refusal with its line) and the condition parser.
#include <gtest/gtest.h>

#include "correlator/rules/condition_parser.h"
#include "correlator/rules/sigma_reader.h"

namespace hinomi::rules {
namespace {

TEST(SigmaReaderTest, ReadsARuleAsSigmaHQWritesIt) {
  auto read = readSigmaText(R"(title: Suspicious Sudo
id: 1c2d3e4f-0000-4000-8000-000000000001
status: test
description: x
references:
  - https://example.org
author: someone
date: 2024-01-01
modified: 2024-02-01
tags:
  - attack.privilege-escalation
  - attack.t1548.003
logsource:
  product: linux
  service: sudo
detection:
  selection:
    User: root
    CommandLine|contains:
      - /bin/sh
      - /bin/bash
  filter:
    - TargetUser: admin
    - TargetUser: backup
  keywords:
    - 'COMMAND='
  condition: selection and keywords and not filter
falsepositives:
  - Unknown
level: high
)", "r.yml");
  ASSERT_TRUE(read.errors.empty()) << read.errors[0].toString();
  ASSERT_EQ(read.rules.size(), 1u);
  const Rule& r = read.rules[0];
  EXPECT_EQ(r.id, "1c2d3e4f-0000-4000-8000-000000000001");
  EXPECT_EQ(r.title, "Suspicious Sudo");
  EXPECT_EQ(r.level, "high");
  EXPECT_EQ(r.status, "test");
  EXPECT_EQ(r.tags.size(), 2u);
  EXPECT_EQ(r.logsource.product, "linux");
  EXPECT_EQ(r.logsource.service, "sudo");
  ASSERT_EQ(r.selections.size(), 3u);
  EXPECT_EQ(r.selections[0].alternatives.size(), 1u);     // a map: one conjunction
  EXPECT_EQ(r.selections[0].alternatives[0].size(), 2u);  // of two items
  EXPECT_EQ(r.selections[1].alternatives.size(), 2u);     // a list of maps: alternatives
  EXPECT_EQ(r.predicates.size(), 6u);
  std::vector<std::string> names{"selection", "filter", "keywords"};
  EXPECT_EQ(toString(r.condition, names), "(selection and keywords and not filter)");
}

TEST(SigmaReaderTest, BadDocumentIsRefusedWithItsLineAndTheOthersLoad) {
  auto read = readSigmaText(R"(title: one
id: a
detection:
  sel: {f: x}
  condition: sel
---
title: two
id: b
detection:
  sel:
    f|bogus: x
  condition: sel
---
title: three
id: c
detection:
  sel: {f: x}
  condition: sel or nothing
---
title: four
detection:
  sel: {f: x}
  condition: sel
)", "multi.yml");
  ASSERT_EQ(read.rules.size(), 2u);
  EXPECT_EQ(read.rules[0].id, "a");
  EXPECT_EQ(read.rules[1].id, "multi#4");  // no id: file stem and document number
  EXPECT_EQ(read.refused, 2);
  ASSERT_EQ(read.errors.size(), 2u);
  EXPECT_EQ(read.errors[0].toString(), "multi.yml:11:5: error: unknown modifier 'bogus'");
  EXPECT_EQ(read.errors[1].toString(),
            "multi.yml:18:14: error: condition column 8: unknown selection 'nothing'");
}

TEST(SigmaReaderTest, EachRefusalNamesItsLine) {
  struct Case {
    std::string yaml;
    int line;
    std::string reason;
  } cases[] = {
      {"title: t\n", 1, "no 'detection'"},
      {"title: t\ndetection:\n  sel: {f: x}\n", 3, "no 'condition'"},
      {"title: t\ndetection:\n  sel: {f: x}\n  timeframe: 5m\n  condition: sel\n", 4, "timeframe"},
      {"title: t\ndetection:\n  sel: {f: x}\n  condition: sel | count() > 5\n", 4, "aggregations"},
      {"title: t\ndetection:\n  sel:\n    f|re: 'a(?!b)'\n  condition: sel\n", 4, "not valid RE2"},
      {"title: t\ndetection:\n  sel:\n    - f: x\n    - kw\n  condition: sel\n", 4, "mixes maps and keywords"},
      {"title: t\ndetection:\n  sel:\n    f:\n      a: b\n  condition: sel\n", 5, "must have a value"},
      {"action: global\ntitle: t\n", 1, "rule collections"},
      {"title: t\ncorrelation:\n  type: event_count\n", 3, "names no 'rules'"},
      {"title: t\ndetection: [a]\n", 2, "'detection' must be a map"},
      {"title: [t\n", 2, "YAML syntax"},
      {"- just a list\n", 1, "must be a YAML map"},
      {"title: t\ndetection:\n  sel: {f: x}\n  condition: 2 of sel\n", 4, "only '1 of' and 'all of'"},
  };
  for (const auto& c : cases) {
    auto read = readSigmaText(c.yaml, "f.yml");
    EXPECT_TRUE(read.rules.empty()) << c.yaml;
    ASSERT_FALSE(read.errors.empty()) << c.yaml;
    EXPECT_EQ(read.errors[0].location.line, c.line) << c.yaml << read.errors[0].toString();
    EXPECT_NE(read.errors[0].message.find(c.reason), std::string::npos) << read.errors[0].toString();
  }
}

TEST(SigmaReaderTest, MissingFileIsAnError) {
  auto read = readSigmaFile("/nonexistent/rule.yml");
  EXPECT_EQ(read.refused, 1);
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_EQ(read.errors[0].location.line, 1);
}

const std::vector<std::string> kNames{"a", "b", "c", "sel1", "sel2", "_helper"};

std::string parsed(const std::string& condition) {
  auto c = parseCondition(condition, kNames);
  return c ? toString(*c, kNames) : "error: " + c.error().message;
}

TEST(ConditionParserTest, PrecedenceIsNotThenAndThenOr) {
  EXPECT_EQ(parsed("a or b and c"), "(a or (b and c))");
  EXPECT_EQ(parsed("a and b or c"), "((a and b) or c)");
  EXPECT_EQ(parsed("not a and b"), "(not a and b)");
  EXPECT_EQ(parsed("not (a and b)"), "not (a and b)");
  EXPECT_EQ(parsed("a and not b or not c and a"), "((a and not b) or (not c and a))");
  EXPECT_EQ(parsed("(a or b) and c"), "((a or b) and c)");
  EXPECT_EQ(parsed("a or b or c"), "(a or b or c)");
  EXPECT_EQ(parsed("not not a"), "not not a");
  EXPECT_EQ(parsed("A AND NOT b"), "error: condition column 1: unknown selection 'A'");
  EXPECT_EQ(parsed("a AND NOT b"), "(a and not b)");
}

TEST(ConditionParserTest, OfPatternsAndThem) {
  EXPECT_EQ(parsed("1 of sel*"), "(sel1 or sel2)");
  EXPECT_EQ(parsed("all of sel*"), "(sel1 and sel2)");
  EXPECT_EQ(parsed("1 of them"), "(a or b or c or sel1 or sel2)");  // _helper left out
  EXPECT_EQ(parsed("all of them"), "(a and b and c and sel1 and sel2)");
  EXPECT_EQ(parsed("1 of sel? and not _helper"), "((sel1 or sel2) and not _helper)");
  EXPECT_EQ(parsed("all of a*"), "a");
  EXPECT_EQ(parsed("not 1 of sel*"), "not (sel1 or sel2)");
}

TEST(ConditionParserTest, ErrorsNameTheColumn) {
  EXPECT_EQ(parsed("a and"), "error: condition column 6: expected a selection, 'not', '(' or '1 of' / 'all of' but found 'end of condition'");
  EXPECT_EQ(parsed("(a or b"), "error: condition column 8: expected ')' but found 'end of condition'");
  EXPECT_EQ(parsed("a b"), "error: condition column 3: unexpected 'b'");
  EXPECT_EQ(parsed("1 of x*"), "error: condition column 6: 'x*' names no selection");
  EXPECT_EQ(parsed("sel*"), "error: condition column 1: a wildcard selection name needs '1 of' or 'all of'");
  EXPECT_EQ(parsed("a & b"), "error: condition column 3: unexpected character '&'");
  EXPECT_EQ(parsed("a | count() > 3"), "error: condition column 3: aggregations ('| count() ...') are not supported; use a correlation rule");
  EXPECT_EQ(parsed(""), "error: condition column 1: expected a selection, 'not', '(' or '1 of' / 'all of' but found 'end of condition'");
  EXPECT_EQ(parsed("1 sel1"), "error: condition column 3: expected 'of' after '1'");
  EXPECT_EQ(parsed("a near b"), "error: condition column 3: unexpected 'near'");
}

}  // namespace
}  // namespace hinomi::rules
