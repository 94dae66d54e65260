#pragma once
// The responder's audit log: every case transition and every human action, append-only and hash
// chained. Each entry carries its sequence number and the SHA-256 of the entry before it, and its own
// hash covers both, so a modified, removed or reordered entry breaks the chain at that point;
// verify() finds the first break. The head (last sequence and hash) is what an operator notes
// elsewhere to catch entries cut off the end. Entries live in RocksDB (data_dir/audit), written with
// sync so an acknowledged action is on disk.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace rocksdb {
class DB;
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
  // Opens (or creates) the log at `path`.
  static Result<std::unique_ptr<AuditLog>> open(const std::string& path);
  // Opens an existing log read-only (for verify); an error when there is none.
  static Result<std::unique_ptr<AuditLog>> openReadOnly(const std::string& path);
  ~AuditLog();

  // Fills seq, prev and hash and stores the entry; returns it as stored.
  Result<AuditEntry> append(AuditEntry entry);
  AuditVerification verify() const;
  uint64_t headSeq() const;

  // The storage key of a sequence number (exposed for tests that tamper with the store).
  static std::string keyOf(uint64_t seq);
  rocksdb::DB* db() { return db_.get(); }

 private:
  AuditLog() = default;
  std::unique_ptr<rocksdb::DB> db_;
  mutable std::mutex mu_;
  uint64_t head_seq_ = 0;
  std::string head_hash_;
  bool read_only_ = false;
};

}  // namespace hinomi::playbooks
