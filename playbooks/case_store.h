#pragma once
// The responder's intake: incidents in, cases out, in RocksDB (data_dir/responder). An incident id
// seen before is a duplicate (the bus delivers at least once; the correlator re-emits with higher
// counts); a new one selects its playbook (rule tags, level, tenant) and joins the open case of the
// same tenant, playbook and group values if it falls in that case's window, or opens one. The
// incident index, the case and the open-case index are written in one synced WriteBatch, so a crash
// leaves either all of an intake or none of it.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "correlator/incident.h"
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

 private:
  CaseStore() = default;
  static Result<std::unique_ptr<CaseStore>> openWith(const std::string& path, bool read_only);
  std::unique_ptr<rocksdb::DB> db_;
  bool read_only_ = false;
  rocksdb::ColumnFamilyHandle* cases_ = nullptr;
  rocksdb::ColumnFamilyHandle* incidents_ = nullptr;  // incident id → case id ("" when no playbook)
  rocksdb::ColumnFamilyHandle* open_ = nullptr;       // tenant \0 playbook \0 group → case id
  rocksdb::ColumnFamilyHandle* default_ = nullptr;
  std::mutex mu_;  // one intake at a time: read, decide, write
};

}  // namespace hinomi::playbooks
