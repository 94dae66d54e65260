#include <gtest/gtest.h>

#include "common/config/hinomi_config.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::config {
namespace {

TEST(CorrelatorOptionsTest, DefaultsAreRelativeToTheWorkingDirectory) {
  Diagnostics d("t.yaml");
  auto cfg = loadConfigText("", d);
  EXPECT_TRUE(d.ok());
  EXPECT_EQ(cfg.correlator.decoders, std::vector<std::string>{"config/decoders"});
  EXPECT_EQ(cfg.correlator.rules, std::vector<std::string>{"config/rules"});
}

TEST(CorrelatorOptionsTest, PathsInAFileAreRelativeToIt) {
  testing::TempDir dir;
  auto file = dir.write("hinomi.yaml", "correlator:\n  decoders: [dec, /abs/dec]\n");
  Diagnostics d(file);
  auto cfg = loadConfigFile(file, d);
  ASSERT_TRUE(d.ok()) << d.toString();
  EXPECT_EQ(cfg.correlator.decoders, (std::vector<std::string>{(dir.path() / "dec").string(), "/abs/dec"}));
  EXPECT_EQ(cfg.correlator.rules, std::vector<std::string>{"config/rules"});  // not written: default
}

TEST(CorrelatorOptionsTest, MistakesAreLocated) {
  Diagnostics d("t.yaml");
  loadConfigText("correlator:\n  decoders: config/decoders\n  rule: [x]\n", d);
  EXPECT_EQ(d.toString(),
            "t.yaml:2:13: error: correlator.decoders: expected a list, got 'config/decoders'\n"
            "t.yaml:3:3: error: unknown key 'correlator.rule' (did you mean 'rules'?)\n");
}

}  // namespace
}  // namespace hinomi::config
