#pragma once
// The responder's intake: incidents in, cases out, in RocksDB (data_dir/responder). An incident id
// seen before is a duplicate (the bus delivers at least once; the correlator re-emits with higher
// counts); a new one selects its playbook (rule tags, level, tenant) and joins the open case of the
// same tenant, playbook and group values if it falls in that case's window, or opens one. The
// incident index, the case, the open-case index and the audit entry are written in one WriteBatch,
// so a crash leaves either all of an intake or none of it. Writes are made durable by sync(), one
// fsync for every write made before it however many threads ask (group commit): the intake syncs
// before it commits its offsets, the engine before it reports a side effect done.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <array>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "correlator/incident.h"
#include "playbooks/audit_log.h"
#include "playbooks/case_record.h"
#include "playbooks/playbook_loader.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace hinomi::playbooks {

struct Intake {
  enum class Outcome { kOpened, kJoined, kDuplicate, kNoPlaybook };
  Outcome outcome = Outcome::kNoPlaybook;
  std::string case_id;  // empty for kNoPlaybook
};
const char* intakeOutcomeName(Intake::Outcome outcome);

class CaseStore {
 public:
  static Result<std::unique_ptr<CaseStore>> open(const std::string& path);
  // For the CLI beside a running hinomi (which holds the write lock): reads only; intake fails.
  static Result<std::unique_ptr<CaseStore>> openReadOnly(const std::string& path);
  ~CaseStore();

  // `now_us` is when the responder took it (the case's opened time); windows use event time.
  Result<Intake> intake(const correlator::Incident& incident, const PlaybookLoad& playbooks, int64_t now_us);
  Result<std::optional<CaseRecord>> get(const std::string& case_id) const;
  // Every case, or a tenant's, in id order.
  Result<std::vector<CaseRecord>> list(const std::string& tenant = "") const;
  // The incidents of a case as they were taken in, in intake order (those stored before the
  // incident data was kept are missing).
  Result<std::vector<correlator::Incident>> incidentsOf(const CaseRecord& c) const;

  // Reads the case, lets `change` modify it and writes it back with `audit` (seq and hashes filled
  // in) in one batch, under the case's lock, so intake and the engine never lose each other's
  // changes. A `change` that fails writes nothing; its error is returned. kNotFound when there is
  // no such case. `durable`: sync() before returning.
  Result<CaseRecord> update(const std::string& case_id, const std::function<Status(CaseRecord&)>& change,
                            AuditEntry audit, bool durable);
  // How many cases are in each state (open, acknowledged, closed), from a small index kept in the
  // same writes as the cases, so counting does not read them.
  Result<std::map<std::string, int64_t>> countByState() const;
  // Makes every write made so far durable (group commit).
  Status sync();
  AuditLog& audit() { return *audit_; }
  // Told of every case written (after the write; keep it short: it runs on the writer's thread).
  // May be set while the store is in use.
  void setObserver(std::function<void(const CaseRecord&)> observer);

 private:
  CaseStore() = default;
  static Result<std::unique_ptr<CaseStore>> openWith(const std::string& path, bool read_only);
  std::unique_ptr<rocksdb::DB> db_;
  bool read_only_ = false;
  rocksdb::ColumnFamilyHandle* cases_ = nullptr;
  rocksdb::ColumnFamilyHandle* incidents_ = nullptr;  // incident id → case id ("" when no playbook)
  rocksdb::ColumnFamilyHandle* open_ = nullptr;       // tenant \0 playbook \0 group → case id
  rocksdb::ColumnFamilyHandle* incident_data_ = nullptr;  // incident id → the incident's JSON
  rocksdb::ColumnFamilyHandle* audit_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* states_ = nullptr;  // case id → its state
  rocksdb::ColumnFamilyHandle* default_ = nullptr;
  std::unique_ptr<AuditLog> audit_;
  mutable std::mutex observer_mu_;
  std::shared_ptr<const std::function<void(const CaseRecord&)>> observer_;
  void notify(const CaseRecord& c) const;
  std::mutex intake_mu_;  // one intake at a time: read the indexes, decide, write
  // One lock per stripe of case ids: changes to one case are serial, to different cases concurrent
  // (their fsyncs then share one group commit).
  std::array<std::mutex, 64> case_mu_;
  std::mutex& caseLock(const std::string& case_id);
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool syncing_ = false;
  uint64_t synced_seq_ = 0;
};

}  // namespace hinomi::playbooks
