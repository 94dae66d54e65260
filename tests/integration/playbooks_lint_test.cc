// `hinomi playbooks lint` and `hinomi config check` on playbook files, as users run them.
#include <gtest/gtest.h>

#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::runProgram;
using testing::TempDir;

TEST(PlaybooksLintTest, TheShippedPlaybooksAreValid) {
  auto r = runProgram({HINOMI_BINARY, "playbooks", "lint", "-c", std::string(HINOMI_SOURCE_DIR) + "/config/hinomi.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\n8 playbooks loaded from 8 files, 0 errors, 0 warnings\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pb1  マイナンバー利用事務系・機微情報の境界侵害  ("), std::string::npos) << r.out;
}

TEST(PlaybooksLintTest, ErrorsAreListedAtTheirLineAndFailTheRun) {
  TempDir dir;
  dir.write("plays/bad.yaml",
            "playbook: p\ntitle: t\nmatch: {tags: [x]}\ncontacts: [csirt]\nsteps:\n"
            "  - {id: run, phase: 被害拡大の防止, kind: action, target: x, program: {argv: [sh, -c, 'echo {{fields.user.name}}']}}\n"
            "recurrence_prevention: [{id: r, label: x}]\n");
  dir.write("plays/ok.yaml",
            "playbook: q\ntitle: t\nmatch: {tags: [y]}\ncontacts: [csirt]\n"
            "steps: [{id: tell, phase: 連絡, kind: notify, to: [csirt]}]\n"
            "recurrence_prevention: [{id: r, label: x}]\n");
  auto r = runProgram({HINOMI_BINARY, "playbooks", "lint", "--playbooks", dir.path().string() + "/plays"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(dir.path().string() + "/plays/bad.yaml:6:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("must be an absolute path to the program (it is run directly, never through a shell)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("ok.yaml:5:8: warning: steps: no report step"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n1 playbooks loaded from 2 files, 1 errors, 1 warnings\n"), std::string::npos) << r.out;

  // config check refuses a configuration whose playbooks directory holds the bad file.
  dir.write("d/none.txt", "");
  dir.write("r/none.txt", "");
  const std::string rest = "correlator: {decoders: [d], rules: [r]}\ntenants: []\n";
  auto cfg = dir.write("hinomi.yaml", "playbooks: [plays]\n" + rest);
  r = runProgram({HINOMI_BINARY, "config", "check", "-c", cfg});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("bad.yaml:6:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 errors in the playbooks"), std::string::npos) << r.err;
  // A playbooks directory the file names must exist.
  cfg = dir.write("missing.yaml", "playbooks: [nowhere]\n" + rest);
  r = runProgram({HINOMI_BINARY, "config", "check", "-c", cfg});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("no such directory of playbooks"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hinomi
