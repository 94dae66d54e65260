#include "playbooks/audit_log.h"

#include <cstdio>
#include <filesystem>

#include <openssl/evp.h>
#include <rocksdb/db.h>

namespace hinomi::playbooks {
namespace {

std::string sha256Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

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

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);  // data_dir may not exist yet; Open reports failures
  rocksdb::Options options;
  options.create_if_missing = true;
  options.keep_log_file_num = 4;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) return tl::unexpected(auditError("cannot open the audit log at", path, s));
  std::unique_ptr<AuditLog> log(new AuditLog());
  log->db_.reset(raw);
  // The head is the last entry; append() chains onto it.
  std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions()));
  it->SeekToLast();
  if (it->Valid()) {
    auto e = AuditEntry::fromJson(it->value().ToString());
    if (!e) return tl::unexpected(Error{ErrorCode::kIo, "the audit log's last entry is unreadable: " + e.error().message, {}});
    log->head_seq_ = e->seq;
    log->head_hash_ = e->hash;
  }
  return log;
}

Result<std::unique_ptr<AuditLog>> AuditLog::openReadOnly(const std::string& path) {
  rocksdb::Options options;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(options, path, &raw);
  if (!s.ok()) return tl::unexpected(auditError("cannot open the audit log at", path, s));
  std::unique_ptr<AuditLog> log(new AuditLog());
  log->db_.reset(raw);
  log->read_only_ = true;
  return log;
}

AuditLog::~AuditLog() {
  if (db_) (void)db_->Close();
}

Result<AuditEntry> AuditLog::append(AuditEntry entry) {
  if (read_only_) return makeError(ErrorCode::kInvalidArgument, "the audit log is open read-only");
  std::lock_guard<std::mutex> lock(mu_);
  entry.seq = head_seq_ + 1;
  entry.prev = head_hash_;
  entry.hash = entry.computeHash();
  rocksdb::WriteOptions wo;
  wo.sync = true;  // an audited action is acknowledged only once it is on disk
  rocksdb::Status s = db_->Put(wo, keyOf(entry.seq), entry.toJson().dump());
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
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
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
