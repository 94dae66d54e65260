// `hinomi config check` as users run it.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::runProgram;
using testing::TempDir;

TEST(ConfigCheckTest, EmbeddedDefaultAndShippedFileAreValid) {
  auto r = runProgram({HINOMI_BINARY, "config", "check"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("configuration is valid"), std::string::npos);
  auto shipped = std::string(HINOMI_SOURCE_DIR) + "/config/hinomi.yaml";
  r = runProgram({HINOMI_BINARY, "config", "check", "-c", shipped});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind(shipped + ": configuration is valid (", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(" tenant policies, 8 playbooks)\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(ConfigCheckTest, DecodersAndRulesTheFileNamesAreCheckedToo) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "decoders");
  std::filesystem::create_directories(dir.path() / "rules");
  dir.write("decoders/bad.yaml", "decoders:\n  - name: x\n    app: a\n    patterns: ['(unclosed']\n");
  dir.write("rules/bad.yml", "title: t\nid: r1\nlogsource: {product: linux}\ndetection:\n  sel: {a|nosuch: b}\n  condition: sel\n");
  auto cfg = dir.write("c.yaml", "correlator:\n  decoders: [decoders]\n  rules: [rules]\n");
  auto r = runProgram({HINOMI_BINARY, "config", "check", "-c", cfg});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("decoders/bad.yaml:4:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rules/bad.yml:5:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 errors in the rules"), std::string::npos) << r.err;
}

TEST(ConfigCheckTest, ThreeMistakesGiveThreeLocatedErrors) {
  TempDir dir;
  auto cfg = dir.write("three.yaml",
                       "data_dir: /tmp/x\n"
                       "htp:\n"                              // unknown key
                       "  listen: 127.0.0.1:8080\n"
                       "bus:\n"
                       "  type: embedded\n"
                       "  embedded:\n"
                       "    fsync: sometimes\n"              // not one of the choices
                       "    fsync_interval_ms: 0\n");        // out of range
  auto r = runProgram({HINOMI_BINARY, "config", "check", "-c", cfg});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            cfg + ":2:1: error: unknown key 'htp' (did you mean 'http'?)\n" +
            cfg + ":7:12: error: bus.embedded.fsync: 'sometimes' is not one of: never, interval, always\n" +
            cfg + ":8:24: error: bus.embedded.fsync_interval_ms: 0 is out of range (1..3600000)\n" +
            "3 errors in " + cfg + "\n");
}

TEST(ConfigCheckTest, MissingFileIsAnError) {
  auto r = runProgram({HINOMI_BINARY, "config", "check", "-c", "/nonexistent/hinomi.yaml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/hinomi.yaml:1:1: error: cannot read the file"), std::string::npos);
}

TEST(ConfigCheckTest, DocsListEveryOptionAndMatchTheCommittedCopy) {
  auto r = runProgram({HINOMI_BINARY, "config", "docs"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("| `bus.embedded.fsync` |"), std::string::npos);
  std::ifstream committed(std::string(HINOMI_SOURCE_DIR) + "/docs/config.md");
  std::stringstream text;
  text << committed.rdbuf();
  EXPECT_EQ(text.str(), r.out) << "docs/config.md is stale: run `hinomi config docs > docs/config.md`";
}

TEST(VersionTest, PrintsVersionAndLibraries) {
  auto r = runProgram({HINOMI_BINARY, "version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("hinomi ", 0), 0u);
  EXPECT_NE(r.out.find("librdkafka 2."), std::string::npos);
}

}  // namespace
}  // namespace hinomi
