// `hinomi audit verify` as operators run it: intact, broken, and no log at all.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "playbooks/audit_log.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::runProgram;
using testing::TempDir;

TEST(AuditVerifyTest, ReportsTheHeadOrTheFirstBreak) {
  TempDir dir;
  const std::string data = dir.path().string() + "/data";
  auto r = runProgram({HINOMI_BINARY, "audit", "verify", "--data-dir", data});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("no audit log here"), std::string::npos) << r.err;

  std::string head;
  {
    auto log = playbooks::AuditLog::open(data + "/responder");
    ASSERT_TRUE(log.has_value());
    for (int i = 0; i < 4; ++i) {
      playbooks::AuditEntry e;
      e.actor = "sato";
      e.action = "case.commented";
      e.detail = {{"text", "確認中 " + std::to_string(i)}};
      auto stored = (*log)->append(e);
      ASSERT_TRUE(stored.has_value());
      head = stored->hash;
    }
  }
  r = runProgram({HINOMI_BINARY, "audit", "verify", "--data-dir", data});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, data + "/responder: 4 entries, chain intact; head 4 sha256:" + head + "\n");

  {
    auto log = playbooks::AuditLog::open(data + "/responder");
    ASSERT_TRUE(log.has_value());
    ASSERT_TRUE((*log)->db()->Delete(rocksdb::WriteOptions(), (*log)->columnFamily(), playbooks::AuditLog::keyOf(3)).ok());
  }
  r = runProgram({HINOMI_BINARY, "audit", "verify", "--data-dir", data});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("chain broken at entry 3 (key " + playbooks::AuditLog::keyOf(4) + ")"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("the 2 entries before it are intact"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace hinomi
