#include "playbooks/audit_log.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "common/sha256.h"

namespace hinomi::playbooks {
namespace {

Error auditError(const std::string& what, const std::string& path, const rocksdb::Status& s) {
  return Error{ErrorCode::kIo, what + " " + path + ": " + s.ToString(), {}};
}

}  // namespace

nlohmann::json AuditEntry::toJson() const {
  nlohmann::json j;
  j["seq"] = seq;
  j["ts_us"] = ts_us;
  j["actor"] = actor;
  j["action"] = action;
  j["tenant"] = tenant;
  j["case_id"] = case_id;
  j["detail"] = detail;
  j["prev"] = prev;
  j["hash"] = hash;
  return j;
}

Result<AuditEntry> AuditEntry::fromJson(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return makeError(ErrorCode::kInvalidArgument, "not a JSON object");
  AuditEntry e;
  try {
    e.seq = j.at("seq").get<uint64_t>();
    e.ts_us = j.at("ts_us").get<int64_t>();
    e.actor = j.at("actor").get<std::string>();
    e.action = j.at("action").get<std::string>();
    e.tenant = j.at("tenant").get<std::string>();
    e.case_id = j.at("case_id").get<std::string>();
    e.detail = j.at("detail");
    e.prev = j.at("prev").get<std::string>();
    e.hash = j.at("hash").get<std::string>();
  } catch (const nlohmann::json::exception& ex) {
    return makeError(ErrorCode::kInvalidArgument, std::string("malformed entry: ") + ex.what());
  }
  return e;
}

std::string AuditEntry::computeHash() const {
  nlohmann::json j = toJson();
  j.erase("hash");
  return sha256Hex(j.dump());  // nlohmann orders object keys: the same entry, the same bytes
}

std::string AuditLog::keyOf(uint64_t seq) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(seq));
  return buf;
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& path) { return openWith(path, false); }
Result<std::unique_ptr<AuditLog>> AuditLog::openReadOnly(const std::string& path) { return openWith(path, true); }

Result<std::unique_ptr<AuditLog>> AuditLog::openWith(const std::string& path, bool read_only) {
  std::error_code ec;
  if (!read_only) std::filesystem::create_directories(path, ec);  // data_dir may not exist yet
  std::vector<std::string> names;
  (void)rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);  // none yet: a new database
  if (std::find(names.begin(), names.end(), rocksdb::kDefaultColumnFamilyName) == names.end())
    names.push_back(rocksdb::kDefaultColumnFamilyName);
  if (std::find(names.begin(), names.end(), "audit") == names.end()) {
    if (read_only) return makeError(ErrorCode::kNotFound, "there is no audit log at " + path);
    names.push_back("audit");
  }
  rocksdb::DBOptions options;
  options.create_if_missing = !read_only;
  options.create_missing_column_families = !read_only;
  options.keep_log_file_num = 4;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) cfs.push_back({n, rocksdb::ColumnFamilyOptions()});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(options, path, cfs, &handles, &raw)
                                : rocksdb::DB::Open(options, path, cfs, &handles, &raw);
  if (!s.ok()) return tl::unexpected(auditError("cannot open the audit log at", path, s));
  std::unique_ptr<AuditLog> log(new AuditLog());
  log->owned_.reset(raw);
  log->owned_handles_ = handles;
  log->db_ = raw;
  log->read_only_ = read_only;
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == "audit") log->cf_ = handles[i];
  if (auto st = log->readHead(); !st) return tl::unexpected(st.error());
  return log;
}

Result<std::unique_ptr<AuditLog>> AuditLog::attach(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, bool read_only) {
  std::unique_ptr<AuditLog> log(new AuditLog());
  log->db_ = db;
  log->cf_ = cf;
  log->read_only_ = read_only;
  if (auto st = log->readHead(); !st) return tl::unexpected(st.error());
  return log;
}

Status AuditLog::readHead() {
  // The head is the last entry; append() chains onto it.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  it->SeekToLast();
  if (it->Valid()) {
    auto e = AuditEntry::fromJson(it->value().ToString());
    if (!e) {
      if (read_only_) return {};  // verify() says where it breaks
      return makeError(ErrorCode::kIo, "the audit log's last entry is unreadable: " + e.error().message);
    }
    head_seq_ = e->seq;
    head_hash_ = e->hash;
  }
  return {};
}

AuditLog::~AuditLog() {
  if (!owned_) return;
  for (auto* h : owned_handles_) owned_->DestroyColumnFamilyHandle(h);
  (void)owned_->Close();
}

Result<AuditEntry> AuditLog::append(AuditEntry entry) {
  rocksdb::WriteBatch batch;
  return write(std::move(entry), batch, /*sync=*/true);  // an audited action is acknowledged only once on disk
}

Result<AuditEntry> AuditLog::appendWith(AuditEntry entry, rocksdb::WriteBatch& batch) {
  return write(std::move(entry), batch, /*sync=*/false);
}

Result<AuditEntry> AuditLog::write(AuditEntry entry, rocksdb::WriteBatch& batch, bool sync) {
  if (read_only_) return makeError(ErrorCode::kInvalidArgument, "the audit log is open read-only");
  std::lock_guard<std::mutex> lock(mu_);
  entry.seq = head_seq_ + 1;
  entry.prev = head_hash_;
  entry.hash = entry.computeHash();
  batch.Put(cf_, keyOf(entry.seq), entry.toJson().dump());
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return tl::unexpected(Error{ErrorCode::kIo, "cannot append to the audit log: " + s.ToString(), {}});
  head_seq_ = entry.seq;
  head_hash_ = entry.hash;
  return entry;
}

uint64_t AuditLog::headSeq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return head_seq_;
}

AuditVerification AuditLog::verify() const {
  AuditVerification v;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  std::string prev;
  uint64_t expected = 1;
  auto fail = [&](const std::string& key, std::string problem) {
    v.intact = false;
    v.break_seq = expected;
    v.break_key = key;
    v.problem = std::move(problem);
  };
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    std::string key = it->key().ToString();
    if (key != keyOf(expected)) {
      fail(key, "expected entry " + std::to_string(expected) + ", found key " + key +
                    " (entries removed or inserted)");
      break;
    }
    auto e = AuditEntry::fromJson(it->value().ToString());
    if (!e) {
      fail(key, e.error().message);
      break;
    }
    if (e->seq != expected) {
      fail(key, "the entry says it is number " + std::to_string(e->seq) + " (entries moved)");
      break;
    }
    if (e->prev != prev) {
      fail(key, "it does not follow the entry before it (prev hash differs: an entry was removed or reordered)");
      break;
    }
    if (e->computeHash() != e->hash) {
      fail(key, "its content does not match its hash (the entry was modified)");
      break;
    }
    prev = e->hash;
    v.entries = expected;
    v.head_seq = e->seq;
    v.head_hash = e->hash;
  }
  if (v.intact && !it->status().ok()) fail("", "cannot read the log: " + it->status().ToString());
  return v;
}

}  // namespace hinomi::playbooks
