// loadAllDocuments: YAML::LoadAll for well-formed streams, a located parser error (not a hang) for
// the malformed ones yaml-cpp 0.7 loops on.
#include "common/config/yaml_documents.h"

#include <gtest/gtest.h>

#include "correlator/rules/sigma_reader.h"

namespace hinomi::config {
namespace {

TEST(YamlDocumentsTest, LoadsEveryDocumentAsLoadAllDoes) {
  auto docs = loadAllDocuments("a: 1\n---\n- x\n- y\n---\n");
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0]["a"].as<int>(), 1);
  EXPECT_EQ(docs[1].size(), 2u);
  EXPECT_TRUE(docs[2].IsNull());
  EXPECT_TRUE(loadAllDocuments("").empty());
  EXPECT_THROW(loadAllDocuments("a: [\n"), YAML::ParserException);
}

TEST(YamlDocumentsTest, AStreamYamlCppLoopsOnIsAParserError) {
  // Found by sigma_rule_fuzz: YAML::LoadAll never returns on it (and allocates until killed).
  const std::string text = ",--\n---\n!binary x\n---\n- a";
  EXPECT_THROW(loadAllDocuments(text), YAML::ParserException);
  auto read = rules::readSigmaText(text, "r.yml");
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_NE(read.errors[0].message.find("YAML syntax"), std::string::npos) << read.errors[0].message;
  EXPECT_EQ(read.errors[0].location.file, "r.yml");
}

}  // namespace
}  // namespace hinomi::config
