// Golden files: each tests/golden/parsers/<parser>_<sample>.input line, parsed by <parser>, must
// give the event JSON on the same line of <parser>_<sample>.golden.jsonl (id and times fixed).
// HINOMI_UPDATE_GOLDEN=1 rewrites the golden files; review the diff before committing.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/event.h"
#include "tests/unit/collector/parsers/parser_test_util.h"

namespace hinomi::collector {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));  // a CR (CRLF files) stays in the line
    start = nl + 1;
  }
  return out;
}

TEST(GoldenParserTest, InputsGiveTheGoldenEvents) {
  const bool update = std::getenv("HINOMI_UPDATE_GOLDEN") != nullptr;
  int files = 0, checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::goldenDir())) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".input") continue;
    SCOPED_TRACE(name);
    std::string stem = entry.path().stem().string();
    std::string parser = stem.substr(0, stem.find('_'));
    ASSERT_NE(makeParser(parser), nullptr) << "no parser named " << parser;
    std::string actual;
    for (const auto& line : lines(testing::readFile(entry.path().string()))) {
      Event e = testing::parseWith(parser, line);
      e.id = "00000000-0000-7000-8000-000000000000";
      actual += toJson(e) + "\n";
    }
    std::string golden_path = testing::goldenDir() + stem + ".golden.jsonl";
    if (update) std::ofstream(golden_path, std::ios::binary) << actual;
    std::vector<std::string> want = lines(testing::readFile(golden_path));
    std::vector<std::string> got = lines(actual);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i], want[i]) << "line " << i + 1;
      ++checked;
    }
    ++files;
  }
  EXPECT_GE(files, 7);
  EXPECT_GT(checked, 40);
}

}  // namespace
}  // namespace hinomi::collector
