#pragma once
// Builds RuleSets from Sigma text for the rules tests.

#include <string>

#include <gtest/gtest.h>

#include "correlator/rules/field_mapping.h"
#include "correlator/rules/rule_set.h"
#include "correlator/rules/sigma_reader.h"

namespace hinomi::rules::test {

// A whole rule file (any number of documents); fails the test on any refusal.
inline RuleSet compileText(const std::string& yaml, const std::vector<Pipeline>& pipelines = {}) {
  auto read = readSigmaText(yaml, "test.yml");
  for (const auto& e : read.errors) ADD_FAILURE() << e.toString();
  for (auto& r : read.rules) EXPECT_TRUE(applyPipelines(pipelines, r).has_value());
  auto set = RuleSet::build(std::move(read.rules));
  EXPECT_TRUE(set.has_value()) << (set ? "" : set.error().message);
  return set ? std::move(*set) : RuleSet();
}

// One rule with id "r" and the given (indented) detection body.
inline RuleSet compileDetection(const std::string& detection) {
  return compileText("title: t\nid: r\nlogsource: {product: test}\ndetection:\n" + detection);
}

inline Event event(nlohmann::json fields, std::string message = "") {
  Event e;
  e.fields = Fields::fromJson(fields);
  e.message = std::move(message);
  e.app = "test";
  return e;
}

inline bool matches(const RuleSet& set, const Event& e) {
  bool fast = !set.matchIds(e).empty();
  EXPECT_EQ(fast, !set.matchNaive(e).empty()) << "set path and naive evaluation disagree";
  return fast;
}

}  // namespace hinomi::rules::test
