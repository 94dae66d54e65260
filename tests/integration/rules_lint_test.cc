// `hinomi rules lint` as users run it.
#include <regex>

#include <gtest/gtest.h>

#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::runProgram;
using testing::TempDir;

TEST(RulesLintTest, ShippedRulesAllLoad) {
  auto dir = std::string(HINOMI_SOURCE_DIR) + "/config/rules";
  auto r = runProgram({HINOMI_BINARY, "rules", "lint", "--rules", dir});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("error:"), std::string::npos) << r.out;
  // The policy pack: at least one rule per domain.md use case and the correlations among them.
  std::smatch n;
  ASSERT_TRUE(std::regex_search(r.out, n, std::regex("\n([0-9]+) rules loaded, 0 refused\n"))) << r.out;
  EXPECT_GE(std::stoi(n[1]), 80) << r.out;
  // Rules routed by logsource (the sshd rules' message, the Windows channels …) are searched only
  // for the events of their route.
  ASSERT_TRUE(std::regex_search(r.out, n, std::regex(" field sets \\(([0-9]+) read only inside routes\\); "))) << r.out;
  EXPECT_GE(std::stoi(n[1]), 1) << r.out;
}

TEST(RulesLintTest, TheConfigsRuleDirectoriesComeFirstThenEachRulesOption) {
  TempDir dir;
  dir.write("mine/a.yml", "title: a\nid: a\ndetection:\n  sel: {user.name: root}\n  condition: sel\n");
  dir.write("extra/b.yml", "title: b\nid: b\ndetection:\n  sel: {user.name: admin}\n  condition: sel\n");
  // A relative path in a config file is taken from the file's directory.
  auto cfg = dir.write("hinomi.yaml", "correlator:\n  rules: [mine]\n");
  auto r = runProgram({HINOMI_BINARY, "rules", "lint", "-c", cfg});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\n1 rules loaded, 0 refused\n"), std::string::npos) << r.out;
  r = runProgram({HINOMI_BINARY, "rules", "lint", "-c", cfg, "--rules", dir.file("extra")});
  EXPECT_NE(r.out.find("\n2 rules loaded, 0 refused\n"), std::string::npos) << r.out;
}

TEST(RulesLintTest, RefusedRulesAreListedWithTheirLineAndExitIsOne) {
  TempDir dir;
  dir.write("good.yml", "title: good\nid: good\ndetection:\n  sel: {user.name: root}\n  condition: sel\n");
  auto bad = dir.write("bad.yml",
                       "title: bad\n"
                       "id: bad\n"
                       "detection:\n"
                       "  sel:\n"
                       "    CommandLine|utf16le|base64offset|contains: x\n"
                       "  condition: sel\n");
  auto never = dir.write("never.yml",
                         "title: never\nid: never\ndetection:\n  sel: {user.name: x}\n  condition: sel and not sel\n");
  auto r = runProgram({HINOMI_BINARY, "rules", "lint", "--rules", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(bad + ":5:5: error: modifier 'utf16le' (UTF-16 encodings) is not supported\n"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find(never + ":1:1: warning: rule never can never match"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.substr(r.out.size() - 26), "2 rules loaded, 1 refused\n") << r.out;
}

TEST(RulesLintTest, MissingDirectoryIsAnError) {
  auto r = runProgram({HINOMI_BINARY, "rules", "lint", "--rules", "/nonexistent/rules"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("/nonexistent/rules:1:1: error: no such rules directory"), std::string::npos);
  EXPECT_NE(r.out.find("0 rules loaded, 0 refused"), std::string::npos);
}

}  // namespace
}  // namespace hinomi
