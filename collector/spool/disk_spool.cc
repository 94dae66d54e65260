#include "collector/spool/disk_spool.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "collector/spool/spool_metrics.h"
#include "common/logging.h"

namespace hinomi::collector {
namespace {

constexpr const char* kEntriesCf = "entries";
constexpr const char* kDeadCf = "dead_letters";
constexpr const char* kNextSeqKey = "next_seq";
constexpr size_t kSeqKeySize = 8;

// Big-endian, so RocksDB's bytewise order is sequence order.
std::string seqKey(uint64_t seq) {
  std::string k(kSeqKeySize, '\0');
  for (int i = 7; i >= 0; --i) {
    k[size_t(i)] = char(seq & 0xff);
    seq >>= 8;
  }
  return k;
}

uint64_t seqFromKey(const rocksdb::Slice& k) {
  uint64_t seq = 0;
  for (size_t i = 0; i < kSeqKeySize && i < k.size(); ++i)
    seq = (seq << 8) | uint8_t(k.data()[i]);
  return seq;
}

void putU32(std::string& out, size_t n) {
  char b[4] = {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  out.append(b, 4);
}

bool getU32(std::string_view& in, size_t& n) {
  if (in.size() < 4) return false;
  n = (size_t(uint8_t(in[0])) << 24) | (size_t(uint8_t(in[1])) << 16) |
      (size_t(uint8_t(in[2])) << 8) | size_t(uint8_t(in[3]));
  in.remove_prefix(4);
  return true;
}

bool getField(std::string_view& in, std::string& out) {
  size_t n = 0;
  if (!getU32(in, n) || in.size() < n) return false;
  out.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

// Entry value: u32 topic length, topic, u32 key length, key, value (the rest).
std::string encodeEntry(std::string_view topic, std::string_view key, std::string_view value) {
  std::string out;
  out.reserve(8 + topic.size() + key.size() + value.size());
  putU32(out, topic.size());
  out.append(topic);
  putU32(out, key.size());
  out.append(key);
  out.append(value);
  return out;
}

bool decodeEntry(std::string_view in, SpoolEntry& e) {
  if (!getField(in, e.topic) || !getField(in, e.key)) return false;
  e.value.assign(in);
  return true;
}

// Dead letter value: u32 length, entry encoding, error (the rest).
std::string encodeDead(const DeadLetter& d) {
  std::string entry = encodeEntry(d.entry.topic, d.entry.key, d.entry.value);
  std::string out;
  putU32(out, entry.size());
  out += entry;
  out += d.error;
  return out;
}

bool decodeDead(std::string_view in, DeadLetter& d) {
  std::string entry;
  if (!getField(in, entry) || !decodeEntry(entry, d.entry)) return false;
  d.error.assign(in);
  return true;
}

tl::unexpected<Error> ioError(const std::string& what, const rocksdb::Status& s) {
  return makeError(ErrorCode::kIo, what + ": " + s.ToString());
}

}  // namespace

int64_t DiskSpool::entryBytes(std::string_view topic, std::string_view key,
                              std::string_view value) {
  return int64_t(kSeqKeySize + 8 + topic.size() + key.size() + value.size());
}

Result<std::unique_ptr<DiskSpool>> DiskSpool::open(const SpoolOptions& options) {
  if (options.path.empty()) return makeError(ErrorCode::kConfig, "spool path is empty");
  if (options.max_bytes <= 0) return makeError(ErrorCode::kConfig, "spool max_bytes must be > 0");
  auto spool = std::make_unique<DiskSpool>(Private{}, options);
  if (auto s = spool->openDb(); !s) return tl::unexpected(s.error());
  if (auto s = spool->recover(); !s) return tl::unexpected(s.error());
  if (options.fsync == bus::FsyncPolicy::kInterval)
    spool->syncer_ = std::thread([p = spool.get()] { p->syncLoop(); });
  logging::get("spool")->info("spool opened name={} path={} entries={} bytes={} dead_letters={}",
                              options.name, options.path, spool->count_, spool->bytes_,
                              spool->dead_count_);
  return spool;
}

DiskSpool::DiskSpool(Private, const SpoolOptions& options)
    : options_(options), metrics_(&SpoolMetrics::forSpool(options.name)) {}

Status DiskSpool::openDb() {
  rocksdb::DBOptions o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  // The WAL is written by write(2) before Put returns, so an acknowledged append is in the page
  // cache and survives kill -9 without an fsync; manual_wal_flush would keep it in RocksDB's own
  // buffer, so it stays off (as in the embedded bus).
  o.manual_wal_flush = false;
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  o.max_background_jobs = 2;
  o.wal_bytes_per_sync = 1 << 20;
  rocksdb::ColumnFamilyOptions entries;
  // A FIFO: written once in key order, read once, deleted. Small memtables keep memory flat;
  // entries drained before a flush never reach an SST at all.
  entries.write_buffer_size = 32 << 20;
  entries.compression = rocksdb::kNoCompression;
  rocksdb::ColumnFamilyOptions small;
  small.write_buffer_size = 4 << 20;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, small}, {kEntriesCf, entries}, {kDeadCf, small}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, options_.path, cfs, &handles, &raw);
  if (!s.ok()) return ioError("cannot open spool " + options_.path, s);
  db_.reset(raw);
  meta_cf_ = handles[0];
  entries_cf_ = handles[1];
  dead_cf_ = handles[2];
  return {};
}

Status DiskSpool::recover() {
  uint64_t last = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), entries_cf_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++count_;
      bytes_ += int64_t(it->key().size() + it->value().size());
      last = std::max(last, seqFromKey(it->key()));
    }
    if (!it->status().ok()) return ioError("cannot read spool " + options_.path, it->status());
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), dead_cf_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++dead_count_;
      last = std::max(last, seqFromKey(it->key()));
    }
    if (!it->status().ok()) return ioError("cannot read spool " + options_.path, it->status());
  }
  std::string floor;
  auto s = db_->Get(rocksdb::ReadOptions(), meta_cf_, kNextSeqKey, &floor);
  if (s.ok()) {
    next_seq_ = std::max(last + 1, seqFromKey(floor));
  } else if (s.IsNotFound()) {
    next_seq_ = last + 1;
  } else {
    return ioError("cannot read spool " + options_.path, s);
  }
  metrics_->size_bytes->Set(double(bytes_));
  metrics_->entries->Set(double(count_));
  return {};
}

DiskSpool::~DiskSpool() {
  {
    std::lock_guard lock(sync_mu_);
    stop_sync_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  if (!db_) return;
  if (options_.fsync != bus::FsyncPolicy::kNever) {
    auto s = db_->SyncWAL();
    if (!s.ok())
      logging::get("spool")->error("spool could not fsync its log path={} error={}", options_.path,
                                   s.ToString());
  }
  for (auto* cf : {meta_cf_, entries_cf_, dead_cf_})
    if (cf) db_->DestroyColumnFamilyHandle(cf);
  auto s = db_->Close();
  if (!s.ok())
    logging::get("spool")->error("spool did not close cleanly path={} error={}", options_.path,
                                 s.ToString());
}

void DiskSpool::syncLoop() {
  const auto every = std::chrono::milliseconds(std::max<int64_t>(1, options_.fsync_interval_ms));
  std::unique_lock lock(sync_mu_);
  while (!sync_cv_.wait_for(lock, every, [this] { return stop_sync_; })) {
    lock.unlock();
    auto s = db_->SyncWAL();
    if (!s.ok())
      logging::get("spool")->error("spool could not fsync its log path={} error={}", options_.path,
                                   s.ToString());
    lock.lock();
  }
}

uint64_t DiskSpool::readableLocked() const {
  return writing_.empty() ? next_seq_ - 1 : *writing_.begin() - 1;
}

Result<uint64_t> DiskSpool::append(std::string_view topic, std::string_view key,
                                   std::string_view value) {
  const int64_t size = entryBytes(topic, key, value);
  uint64_t seq = 0;
  {
    std::lock_guard lock(mu_);
    if (bytes_ + size > options_.max_bytes) {
      metrics_->full->Increment();
      return makeError(ErrorCode::kUnavailable, "spool full");
    }
    seq = next_seq_++;
    writing_.insert(seq);
    bytes_ += size;  // reserved now so concurrent appends cannot overshoot the bound
  }
  // Outside the lock: concurrent appends share RocksDB's group commit (one WAL write, and one
  // fsync under kAlways, for many). readableLocked() keeps the reader from passing an entry
  // that is still being written.
  rocksdb::WriteOptions wo;
  wo.sync = options_.fsync == bus::FsyncPolicy::kAlways;
  const std::string k = seqKey(seq);
  rocksdb::Status s = db_->Put(wo, entries_cf_, k, encodeEntry(topic, key, value));
  {
    std::lock_guard lock(mu_);
    writing_.erase(seq);
    if (s.ok()) {
      ++count_;
    } else {
      bytes_ -= size;
    }
    metrics_->size_bytes->Set(double(bytes_));
    metrics_->entries->Set(double(count_));
  }
  if (!s.ok()) {
    space_cv_.notify_all();
    return ioError("spool write failed", s);
  }
  metrics_->appended->Increment();
  entries_cv_.notify_all();
  return seq;
}

bool DiskSpool::waitForSpace(int64_t entry_bytes, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return space_cv_.wait_for(lock, timeout,
                            [&] { return bytes_ + entry_bytes <= options_.max_bytes; });
}

int64_t DiskSpool::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

int64_t DiskSpool::count() const {
  std::lock_guard lock(mu_);
  return count_;
}

int64_t DiskSpool::deadLetterCount() const {
  std::lock_guard lock(mu_);
  return dead_count_;
}

Result<std::vector<SpoolEntry>> DiskSpool::read(uint64_t from_seq, size_t max) {
  uint64_t readable = 0;
  {
    std::lock_guard lock(mu_);
    readable = readableLocked();
  }
  std::vector<SpoolEntry> out;
  if (from_seq > readable || max == 0) return out;
  const std::string upper = seqKey(readable + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, entries_cf_));
  for (it->Seek(seqKey(from_seq)); it->Valid() && out.size() < max; it->Next()) {
    SpoolEntry e;
    e.seq = seqFromKey(it->key());
    if (!decodeEntry(std::string_view(it->value().data(), it->value().size()), e))
      return makeError(ErrorCode::kInternal,
                       "corrupt spool entry seq=" + std::to_string(e.seq) + " in " + options_.path);
    out.push_back(std::move(e));
  }
  if (!it->status().ok()) return ioError("cannot read spool " + options_.path, it->status());
  return out;
}

bool DiskSpool::waitForEntries(uint64_t from_seq, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return entries_cv_.wait_for(lock, timeout, [&] { return readableLocked() >= from_seq; });
}

Status DiskSpool::release(const std::vector<SpoolEntry>& delivered,
                          const std::vector<DeadLetter>& rejected) {
  if (delivered.empty() && rejected.empty()) return {};
  rocksdb::WriteBatch batch;
  int64_t freed = 0;
  uint64_t last = 0;
  for (const auto& e : delivered) {
    auto s = batch.Delete(entries_cf_, seqKey(e.seq));
    if (!s.ok()) return ioError("spool release failed", s);
    freed += entryBytes(e.topic, e.key, e.value);
    last = std::max(last, e.seq);
  }
  for (const auto& d : rejected) {
    const std::string k = seqKey(d.entry.seq);
    auto s = batch.Delete(entries_cf_, k);
    if (s.ok()) s = batch.Put(dead_cf_, k, encodeDead(d));
    if (!s.ok()) return ioError("spool release failed", s);
    freed += entryBytes(d.entry.topic, d.entry.key, d.entry.value);
    last = std::max(last, d.entry.seq);
  }
  // Keeps sequence numbers from being reused after a restart once the spool is empty.
  if (auto s = batch.Put(meta_cf_, kNextSeqKey, seqKey(last + 1)); !s.ok())
    return ioError("spool release failed", s);
  // No fsync: a release lost to a crash only re-sends entries (a duplicate, never a loss). The
  // dead letters ride in the same WAL write as the deletes, so a rejected entry is in exactly
  // one of the two places.
  rocksdb::WriteOptions wo;
  wo.sync = false;
  auto s = db_->Write(wo, &batch);
  if (!s.ok()) return ioError("spool release failed", s);
  {
    std::lock_guard lock(mu_);
    bytes_ -= freed;
    count_ -= int64_t(delivered.size() + rejected.size());
    dead_count_ += int64_t(rejected.size());
    metrics_->size_bytes->Set(double(bytes_));
    metrics_->entries->Set(double(count_));
  }
  metrics_->dead_letters->Increment(double(rejected.size()));
  space_cv_.notify_all();
  return {};
}

Result<std::vector<DeadLetter>> DiskSpool::deadLetters(size_t max) {
  std::vector<DeadLetter> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), dead_cf_));
  for (it->SeekToFirst(); it->Valid() && out.size() < max; it->Next()) {
    DeadLetter d;
    d.entry.seq = seqFromKey(it->key());
    if (!decodeDead(std::string_view(it->value().data(), it->value().size()), d))
      return makeError(ErrorCode::kInternal, "corrupt spool dead letter seq=" +
                                                 std::to_string(d.entry.seq) + " in " +
                                                 options_.path);
    out.push_back(std::move(d));
  }
  if (!it->status().ok()) return ioError("cannot read spool " + options_.path, it->status());
  return out;
}

}  // namespace hinomi::collector
