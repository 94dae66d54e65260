#include "playbooks/case_store.h"

#include <algorithm>
#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

namespace hinomi::playbooks {
namespace {

Error storeError(const std::string& what, const rocksdb::Status& s) {
  return Error{ErrorCode::kIo, what + ": " + s.ToString(), {}};
}

// The case's group: the playbook's case.group_by values from the incident's fields ("" when absent,
// so incidents without the field share one case per tenant and window).
nlohmann::json groupOf(const Playbook& p, const correlator::Incident& incident) {
  nlohmann::json g = nlohmann::json::object();
  for (const auto& field : p.group_by) g[field] = incident.fields.value(field, std::string_view());
  return g;
}

std::string openKey(const std::string& tenant, const std::string& playbook, const nlohmann::json& group) {
  std::string key = tenant;
  key.push_back('\0');
  key += playbook;
  key.push_back('\0');
  key += group.dump();  // keys sorted: the same group, the same key
  return key;
}

}  // namespace

const char* intakeOutcomeName(Intake::Outcome outcome) {
  switch (outcome) {
    case Intake::Outcome::kOpened: return "opened";
    case Intake::Outcome::kJoined: return "joined";
    case Intake::Outcome::kDuplicate: return "duplicate";
    case Intake::Outcome::kNoPlaybook: return "no_playbook";
  }
  return "?";
}

Result<std::unique_ptr<CaseStore>> CaseStore::open(const std::string& path) { return openWith(path, false); }
Result<std::unique_ptr<CaseStore>> CaseStore::openReadOnly(const std::string& path) { return openWith(path, true); }

Result<std::unique_ptr<CaseStore>> CaseStore::openWith(const std::string& path, bool read_only) {
  std::error_code ec;
  if (!read_only) std::filesystem::create_directories(path, ec);
  rocksdb::DBOptions options;
  options.create_if_missing = !read_only;
  options.create_missing_column_families = !read_only;
  options.keep_log_file_num = 4;
  // Each change rewrites a whole case: bound the WAL kept for column families that rarely flush,
  // and the memtables of all of them together, or both grow with the number of open cases.
  options.max_total_wal_size = 64 << 20;
  options.db_write_buffer_size = 64 << 20;
  rocksdb::ColumnFamilyOptions cf;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, cf}, {"cases", cf}, {"incidents", cf}, {"open", cf},
      {"incident_data", cf}, {"audit", cf}, {"states", cf}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(options, path, cfs, &handles, &raw)
                                : rocksdb::DB::Open(options, path, cfs, &handles, &raw);
  if (!s.ok()) return tl::unexpected(storeError("cannot open the case store at " + path, s));
  std::unique_ptr<CaseStore> store(new CaseStore());
  store->db_.reset(raw);
  store->read_only_ = read_only;
  store->default_ = handles[0];
  store->cases_ = handles[1];
  store->incidents_ = handles[2];
  store->open_ = handles[3];
  store->incident_data_ = handles[4];
  store->audit_cf_ = handles[5];
  store->states_ = handles[6];
  auto audit = AuditLog::attach(raw, store->audit_cf_, read_only);
  if (!audit) return tl::unexpected(audit.error());
  store->audit_ = std::move(*audit);
  return store;
}

CaseStore::~CaseStore() {
  if (!db_) return;
  audit_.reset();
  for (auto* h : {default_, cases_, incidents_, open_, incident_data_, audit_cf_, states_})
    if (h) db_->DestroyColumnFamilyHandle(h);
  (void)db_->Close();
}

Result<Intake> CaseStore::intake(const correlator::Incident& incident, const PlaybookLoad& playbooks, int64_t now_us) {
  if (read_only_) return makeError(ErrorCode::kInvalidArgument, "the case store is open read-only");
  std::lock_guard<std::mutex> lock(intake_mu_);
  Intake out;
  std::string seen;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), incidents_, incident.id, &seen);
  if (s.ok()) {
    out.outcome = Intake::Outcome::kDuplicate;
    out.case_id = seen;
    return out;
  }
  if (!s.IsNotFound()) return tl::unexpected(storeError("cannot read the incident index", s));

  rocksdb::WriteBatch batch;
  const Playbook* p = playbooks.select(incident.tags, incident.level, incident.tenant);
  if (p == nullptr) {
    batch.Put(incidents_, incident.id, "");  // remembered, so a re-delivery is a duplicate too
    s = db_->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) return tl::unexpected(storeError("cannot record the incident", s));
    return out;
  }

  nlohmann::json group = groupOf(*p, incident);
  const std::string okey = openKey(incident.tenant, p->id, group);
  std::optional<CaseRecord> kase;
  std::string case_id;
  std::unique_lock<std::mutex> case_lock;  // the joined case's, against the engine's changes
  s = db_->Get(rocksdb::ReadOptions(), open_, okey, &case_id);
  if (s.ok()) case_lock = std::unique_lock<std::mutex>(caseLock(case_id));
  if (s.ok()) {
    std::string text;
    s = db_->Get(rocksdb::ReadOptions(), cases_, case_id, &text);
    if (!s.ok()) return tl::unexpected(storeError("the open-case index names a case that cannot be read", s));
    auto c = CaseRecord::fromJson(text);
    if (!c) return tl::unexpected(c.error());
    // A closed case, or an incident past the case's window, opens a new case.
    if (c->state != "closed" && incident.first_ts_us <= c->window_end_us && incident.first_ts_us >= c->first_ts_us)
      kase = std::move(*c);
  } else if (!s.IsNotFound()) {
    return tl::unexpected(storeError("cannot read the open-case index", s));
  }

  if (kase) {
    out.outcome = Intake::Outcome::kJoined;
    if (levelRank(incident.level) > levelRank(kase->level)) kase->level = incident.level;
  } else {
    out.outcome = Intake::Outcome::kOpened;
    kase.emplace();
    // Stable: a restart that sees the same first incident makes the same case.
    kase->id = correlator::stableUuid(std::string("case\0", 5) + incident.tenant + '\0' + p->id + '\0' + incident.id);
    kase->tenant = incident.tenant;
    kase->playbook = p->id;
    kase->group = group;
    kase->level = incident.level;
    kase->first_ts_us = incident.first_ts_us;
    kase->window_end_us = incident.first_ts_us + p->window_secs * 1000000;
    kase->opened_us = now_us;
    kase->rule_id = incident.rule_id;
    kase->title = incident.title;
    kase->fields = incident.fields.toJson();
  }
  kase->incident_ids.push_back(incident.id);
  kase->timeline.push_back({incident.first_ts_us, "incident", incident.id, "[" + incident.level + "] " + incident.title});
  out.case_id = kase->id;

  if (!case_lock.owns_lock() || case_lock.mutex() != &caseLock(kase->id))
    case_lock = std::unique_lock<std::mutex>(caseLock(kase->id));
  batch.Put(cases_, kase->id, kase->toJson().dump());
  batch.Put(states_, kase->id, kase->state);
  batch.Put(incidents_, incident.id, kase->id);
  batch.Put(open_, okey, kase->id);
  batch.Put(incident_data_, incident.id, correlator::toJson(incident));
  AuditEntry e;
  e.ts_us = now_us;
  e.actor = "hinomi";
  e.action = out.outcome == Intake::Outcome::kOpened ? "case.opened" : "case.joined";
  e.tenant = kase->tenant;
  e.case_id = kase->id;
  e.detail = {{"incident", incident.id}, {"rule", incident.rule_id}, {"level", incident.level}, {"playbook", kase->playbook}};
  if (auto written = audit_->appendWith(std::move(e), batch); !written)
    return tl::unexpected(Error{ErrorCode::kIo, "cannot store the case: " + written.error().message, {}});
  notify(*kase);
  return out;
}

Result<std::optional<CaseRecord>> CaseStore::get(const std::string& case_id) const {
  std::string text;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cases_, case_id, &text);
  if (s.IsNotFound()) return std::optional<CaseRecord>();
  if (!s.ok()) return tl::unexpected(storeError("cannot read the case", s));
  auto c = CaseRecord::fromJson(text);
  if (!c) return tl::unexpected(c.error());
  return std::optional<CaseRecord>(std::move(*c));
}

Result<std::vector<CaseRecord>> CaseStore::list(const std::string& tenant) const {
  std::vector<CaseRecord> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cases_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto c = CaseRecord::fromJson(it->value().ToString());
    if (!c) return tl::unexpected(c.error());
    if (tenant.empty() || c->tenant == tenant) out.push_back(std::move(*c));
  }
  if (!it->status().ok()) return tl::unexpected(storeError("cannot list the cases", it->status()));
  return out;
}

Result<std::vector<correlator::Incident>> CaseStore::incidentsOf(const CaseRecord& c) const {
  std::vector<correlator::Incident> out;
  for (const auto& id : c.incident_ids) {
    std::string text;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), incident_data_, id, &text);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return tl::unexpected(storeError("cannot read an incident", s));
    auto inc = correlator::incidentFromJson(text);
    if (!inc) return tl::unexpected(inc.error());
    out.push_back(std::move(*inc));
  }
  return out;
}

std::mutex& CaseStore::caseLock(const std::string& case_id) {
  return case_mu_[std::hash<std::string>()(case_id) % case_mu_.size()];
}

Result<CaseRecord> CaseStore::update(const std::string& case_id, const std::function<Status(CaseRecord&)>& change,
                                     AuditEntry audit, bool durable) {
  if (read_only_) return makeError(ErrorCode::kInvalidArgument, "the case store is open read-only");
  std::optional<CaseRecord> out;
  {
    std::lock_guard<std::mutex> lock(caseLock(case_id));
    std::string text;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cases_, case_id, &text);
    if (s.IsNotFound()) return makeError(ErrorCode::kNotFound, "no case " + case_id);
    if (!s.ok()) return tl::unexpected(storeError("cannot read the case", s));
    auto c = CaseRecord::fromJson(text);
    if (!c) return tl::unexpected(c.error());
    if (auto st = change(*c); !st) return tl::unexpected(st.error());
    rocksdb::WriteBatch batch;
    batch.Put(cases_, case_id, c->toJson().dump());
    batch.Put(states_, case_id, c->state);
    audit.tenant = c->tenant;
    audit.case_id = c->id;
    if (auto written = audit_->appendWith(std::move(audit), batch); !written)
      return tl::unexpected(Error{ErrorCode::kIo, "cannot store the case: " + written.error().message, {}});
    out = std::move(*c);
  }
  if (durable)
    if (auto st = sync(); !st) return tl::unexpected(st.error());
  notify(*out);
  return std::move(*out);
}

void CaseStore::setObserver(std::function<void(const CaseRecord&)> observer) {
  auto fn = std::make_shared<const std::function<void(const CaseRecord&)>>(std::move(observer));
  std::lock_guard<std::mutex> lock(observer_mu_);
  observer_ = std::move(fn);
}

void CaseStore::notify(const CaseRecord& c) const {
  std::shared_ptr<const std::function<void(const CaseRecord&)>> fn;
  {
    std::lock_guard<std::mutex> lock(observer_mu_);
    fn = observer_;
  }
  if (fn && *fn) (*fn)(c);
}

Result<std::map<std::string, int64_t>> CaseStore::countByState() const {
  std::map<std::string, int64_t> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), states_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) out[it->value().ToString()] += 1;
  if (!it->status().ok()) return tl::unexpected(storeError("cannot count the cases", it->status()));
  return out;
}

Status CaseStore::sync() {
  if (read_only_) return {};
  const uint64_t target = db_->GetLatestSequenceNumber();
  std::unique_lock<std::mutex> lock(sync_mu_);
  while (synced_seq_ < target) {
    if (syncing_) {  // someone's fsync is under way: it may cover this write too
      sync_cv_.wait(lock);
      continue;
    }
    syncing_ = true;
    const uint64_t upto = db_->GetLatestSequenceNumber();  // every write so far is in the WAL
    lock.unlock();
    rocksdb::Status s = db_->SyncWAL();
    lock.lock();
    syncing_ = false;
    sync_cv_.notify_all();
    if (!s.ok()) return tl::unexpected(storeError("cannot sync the case store", s));
    synced_seq_ = std::max(synced_seq_, upto);
  }
  return {};
}

}  // namespace hinomi::playbooks
