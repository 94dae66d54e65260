// The audit log's hash chain: appends survive a reopen, and a modified, removed or reordered entry
// is found at the first place it breaks the chain.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "playbooks/audit_log.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::playbooks {
namespace {

std::string writeEntries(const testing::TempDir& dir, int n) {
  std::string path = dir.path().string() + "/audit";
  auto log = AuditLog::open(path);
  EXPECT_TRUE(log.has_value());
  for (int i = 1; i <= n; ++i) {
    AuditEntry e;
    e.ts_us = 1765000000000000 + i;
    e.actor = i % 2 ? "hinomi" : "sato";
    e.action = i % 2 ? "step.done" : "case.acknowledged";
    e.tenant = "katsuragi";
    e.case_id = "case-1";
    e.detail = {{"step", "notify_csirt"}, {"n", i}};
    auto stored = (*log)->append(e);
    EXPECT_TRUE(stored.has_value());
    EXPECT_EQ(stored->seq, uint64_t(i));
  }
  return path;
}

std::string get(AuditLog& log, uint64_t seq) {
  std::string v;
  EXPECT_TRUE(log.db()->Get(rocksdb::ReadOptions(), log.columnFamily(), AuditLog::keyOf(seq), &v).ok());
  return v;
}

TEST(AuditLogTest, AppendsChainAndSurviveAReopen) {
  testing::TempDir dir;
  auto path = writeEntries(dir, 3);
  auto log = AuditLog::open(path);
  ASSERT_TRUE(log.has_value());
  EXPECT_EQ((*log)->headSeq(), 3u);
  AuditEntry e;
  e.actor = "tanaka";
  e.action = "case.closed";
  auto fourth = (*log)->append(e);
  ASSERT_TRUE(fourth.has_value());
  EXPECT_EQ(fourth->seq, 4u);
  auto third = AuditEntry::fromJson(get(**log, 3));
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(fourth->prev, third->hash);
  EXPECT_EQ(fourth->hash.size(), 64u);
  auto v = (*log)->verify();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 4u);
  EXPECT_EQ(v.head_hash, fourth->hash);
}

TEST(AuditLogTest, AModifiedEntryIsFoundWhereItWasChanged) {
  testing::TempDir dir;
  auto path = writeEntries(dir, 5);
  auto log = AuditLog::open(path);
  ASSERT_TRUE(log.has_value());
  auto e = AuditEntry::fromJson(get(**log, 3));
  ASSERT_TRUE(e.has_value());
  e->actor = "someone-else";
  ASSERT_TRUE((*log)->db()->Put(rocksdb::WriteOptions(), (*log)->columnFamily(), AuditLog::keyOf(3), e->toJson().dump()).ok());
  auto v = (*log)->verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.break_seq, 3u);
  EXPECT_EQ(v.entries, 2u);
  EXPECT_NE(v.problem.find("modified"), std::string::npos) << v.problem;

  // Rewriting its hash too moves the break to the next entry, whose prev no longer matches.
  e->hash = e->computeHash();
  ASSERT_TRUE((*log)->db()->Put(rocksdb::WriteOptions(), (*log)->columnFamily(), AuditLog::keyOf(3), e->toJson().dump()).ok());
  v = (*log)->verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.break_seq, 4u);
  EXPECT_NE(v.problem.find("does not follow"), std::string::npos) << v.problem;
}

TEST(AuditLogTest, ARemovedEntryIsFound) {
  testing::TempDir dir;
  auto path = writeEntries(dir, 5);
  auto log = AuditLog::open(path);
  ASSERT_TRUE(log.has_value());
  ASSERT_TRUE((*log)->db()->Delete(rocksdb::WriteOptions(), (*log)->columnFamily(), AuditLog::keyOf(2)).ok());
  auto v = (*log)->verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.break_seq, 2u);
  EXPECT_EQ(v.break_key, AuditLog::keyOf(3));
  EXPECT_NE(v.problem.find("removed"), std::string::npos) << v.problem;
}

TEST(AuditLogTest, SwappedEntriesAreFound) {
  testing::TempDir dir;
  auto path = writeEntries(dir, 5);
  auto log = AuditLog::open(path);
  ASSERT_TRUE(log.has_value());
  std::string two = get(**log, 2), three = get(**log, 3);
  ASSERT_TRUE((*log)->db()->Put(rocksdb::WriteOptions(), (*log)->columnFamily(), AuditLog::keyOf(2), three).ok());
  ASSERT_TRUE((*log)->db()->Put(rocksdb::WriteOptions(), (*log)->columnFamily(), AuditLog::keyOf(3), two).ok());
  auto v = (*log)->verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.break_seq, 2u);
  EXPECT_NE(v.problem.find("moved"), std::string::npos) << v.problem;

  // The same swap with the numbers rewritten to fit: the prev hashes still give it away.
  auto a = AuditEntry::fromJson(three), b = AuditEntry::fromJson(two);
  a->seq = 2;
  b->seq = 3;
  ASSERT_TRUE((*log)->db()->Put(rocksdb::WriteOptions(), (*log)->columnFamily(), AuditLog::keyOf(2), a->toJson().dump()).ok());
  ASSERT_TRUE((*log)->db()->Put(rocksdb::WriteOptions(), (*log)->columnFamily(), AuditLog::keyOf(3), b->toJson().dump()).ok());
  v = (*log)->verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.break_seq, 2u);
  EXPECT_NE(v.problem.find("does not follow"), std::string::npos) << v.problem;
}

TEST(AuditLogTest, GarbageIsABreakNotACrash) {
  testing::TempDir dir;
  auto path = writeEntries(dir, 2);
  auto log = AuditLog::open(path);
  ASSERT_TRUE(log.has_value());
  ASSERT_TRUE((*log)->db()->Put(rocksdb::WriteOptions(), (*log)->columnFamily(), AuditLog::keyOf(2), "{not json").ok());
  auto v = (*log)->verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.break_seq, 2u);
  // A log whose last entry is unreadable refuses to append onto it.
  log->reset();
  EXPECT_FALSE(AuditLog::open(path).has_value());
}

}  // namespace
}  // namespace hinomi::playbooks
