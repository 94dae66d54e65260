#pragma once
// The responder's audit log: every case transition and every human action, append-only and hash
// chained. Each entry carries its sequence number and the SHA-256 of the entry before it, and its own
// hash covers both, so a modified, removed or reordered entry breaks the chain at that point;
// verify() finds the first break. The head (last sequence and hash) is what an operator notes
// elsewhere to catch entries cut off the end. Entries live in the "audit" column family of the
// responder's RocksDB (data_dir/responder), so a case's change and its audit entry are one atomic
// write: the log can neither miss a change that was made nor record one that was not.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
}

namespace hinomi::playbooks {

struct AuditEntry {
  uint64_t seq = 0;     // 1, 2, 3 … assigned by append
  int64_t ts_us = 0;    // when it was recorded
  std::string actor;    // a user, or "hinomi" for the engine
  std::string action;   // e.g. case.opened, step.done, case.acknowledged
  std::string tenant;
  std::string case_id;
  nlohmann::json detail = nlohmann::json::object();
  std::string prev;     // hex SHA-256 of the previous entry ("" for the first)
  std::string hash;     // hex SHA-256 of this entry (all of the above)

  nlohmann::json toJson() const;
  static Result<AuditEntry> fromJson(const std::string& text);
  // The hash this entry's content gives (whatever `hash` says).
  std::string computeHash() const;
};

struct AuditVerification {
  uint64_t entries = 0;     // read before the first break (all of them when intact)
  bool intact = true;
  uint64_t break_seq = 0;   // the sequence number expected where the chain broke
  std::string break_key;    // the storage key found there
  std::string problem;      // what is wrong there
  uint64_t head_seq = 0;    // the last good entry
  std::string head_hash;
};

class AuditLog {
 public:
  // Opens (or creates) the log in the RocksDB at `path` (its other column families are opened too
  // and left alone).
  static Result<std::unique_ptr<AuditLog>> open(const std::string& path);
  // Opens an existing log read-only (for verify); an error when there is none.
  static Result<std::unique_ptr<AuditLog>> openReadOnly(const std::string& path);
  // The log in column family `cf` of a database someone else owns (the case store).
  static Result<std::unique_ptr<AuditLog>> attach(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, bool read_only);
  ~AuditLog();

  // Fills seq, prev and hash and stores the entry with sync; returns it as stored.
  Result<AuditEntry> append(AuditEntry entry);
  // Fills seq, prev and hash, adds the entry to `batch` and writes the batch (without sync: the
  // caller makes it durable when it must be, see CaseStore::sync). Entries reach the database in
  // sequence order, so a crash can cut the log's end but never leave a hole.
  Result<AuditEntry> appendWith(AuditEntry entry, rocksdb::WriteBatch& batch);
  AuditVerification verify() const;
  uint64_t headSeq() const;

  // The storage key of a sequence number (exposed for tests that tamper with the store).
  static std::string keyOf(uint64_t seq);
  rocksdb::DB* db() { return db_; }
  rocksdb::ColumnFamilyHandle* columnFamily() { return cf_; }

 private:
  AuditLog() = default;
  static Result<std::unique_ptr<AuditLog>> openWith(const std::string& path, bool read_only);
  Status readHead();
  Result<AuditEntry> write(AuditEntry entry, rocksdb::WriteBatch& batch, bool sync);
  std::unique_ptr<rocksdb::DB> owned_;  // open(): the log owns its database
  std::vector<rocksdb::ColumnFamilyHandle*> owned_handles_;
  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_ = nullptr;
  mutable std::mutex mu_;
  uint64_t head_seq_ = 0;
  std::string head_hash_;
  bool read_only_ = false;
};

}  // namespace hinomi::playbooks
