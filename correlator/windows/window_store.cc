#include "correlator/windows/window_store.h"

#include <chrono>
#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "common/logging.h"

namespace hinomi::correlator {
namespace {

constexpr const char* kWindowsCf = "windows";
constexpr const char* kTimersCf = "timers";
constexpr const char* kOffsetsCf = "offsets";
constexpr const char* kMetaCf = "meta";
constexpr const char* kSourcesCf = "sources";
constexpr const char* kClockKey = "clock";

Error storeError(const std::string& what, const std::string& path, const rocksdb::Status& s) {
  return Error{ErrorCode::kIo, "correlation state: " + what + " " + path + ": " + s.ToString(), {}};
}

// Big-endian, so a topic's partitions sort in order.
std::string offsetKey(const std::string& topic, int32_t partition) {
  std::string key = topic;
  key.push_back('\0');
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(char((uint32_t(partition) >> shift) & 0xff));
  return key;
}

std::string encodeOffset(int64_t offset) {
  std::string v(8, '\0');
  for (int i = 0; i < 8; ++i) v[size_t(i)] = char((uint64_t(offset) >> (56 - 8 * i)) & 0xff);
  return v;
}

int64_t decodeOffset(const rocksdb::Slice& v) {
  uint64_t n = 0;
  for (size_t i = 0; i < 8 && i < v.size(); ++i) n = (n << 8) | uint8_t(v[i]);
  return int64_t(n);
}

}  // namespace

Result<std::unique_ptr<WindowStore>> WindowStore::open(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return makeError(ErrorCode::kIo, "correlation state: cannot create " + path + ": " + ec.message());
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // Each Write() reaches the OS before it returns: a kill -9 loses nothing written (a power loss
  // may lose the last writes; the bus offsets lag them, so those events are read again).
  options.manual_wal_flush = false;
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  options.keep_log_file_num = 4;
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = 16 << 20;
  // Most lookups of a new group find nothing: a Bloom filter answers those without a disk read.
  rocksdb::ColumnFamilyOptions windows_cf = cf;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  windows_cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  windows_cf.write_buffer_size = 64 << 20;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, cf},
                                                      {kWindowsCf, windows_cf},
                                                      {kTimersCf, cf},
                                                      {kOffsetsCf, cf},
                                                      {kMetaCf, cf},
                                                      {kSourcesCf, cf}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, cfs, &handles, &raw);
  if (!s.ok()) return tl::unexpected(storeError("cannot open RocksDB at", path, s));
  std::unique_ptr<WindowStore> store(new WindowStore());
  store->path_ = path;
  store->db_.reset(raw);
  store->default_ = handles[0];
  store->windows_ = handles[1];
  store->timers_ = handles[2];
  store->offsets_ = handles[3];
  store->meta_ = handles[4];
  store->sources_ = handles[5];
  return store;
}

WindowStore::~WindowStore() {
  if (!db_) return;
  for (auto* h : {default_, windows_, timers_, offsets_, meta_, sources_})
    if (h) db_->DestroyColumnFamilyHandle(h);
  (void)db_->Close();
}

Result<std::map<int32_t, int64_t>> WindowStore::load(CorrelationEngine& engine, const std::string& topic) {
  std::string clock;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, kClockKey, &clock);
  if (s.ok()) {
    if (!engine.restoreClock(clock))
      return makeError(ErrorCode::kIo, "correlation state: the clock record in " + path_ + " is unreadable");
  } else if (!s.IsNotFound()) {
    return tl::unexpected(storeError("cannot read", path_, s));
  }
  // Groups are read when seen, not loaded here; those of correlations no longer loaded are
  // deleted, a range per correlation (their timer entries go as the engine meets them).
  rocksdb::WriteBatch drop;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), windows_));
  for (it->SeekToFirst(); it->Valid();) {
    std::string_view key = it->key().ToStringView();
    std::string rule_id(key.substr(0, key.find('\0')));
    std::string end = rule_id + '\x01';  // past every "rule id, NUL, …" key
    if (!engine.hasCorrelation(rule_id)) {
      drop.DeleteRange(windows_, rule_id + '\0', end);
      ++stats_.correlations_dropped;
    }
    it->Seek(end);
  }
  if (!it->status().ok()) return tl::unexpected(storeError("cannot read", path_, it->status()));
  if (drop.Count() > 0) {
    s = db_->Write(rocksdb::WriteOptions(), &drop);
    if (!s.ok()) return tl::unexpected(storeError("cannot write", path_, s));
  }
  engine.attach(this);
  std::map<int32_t, int64_t> offsets;
  std::string prefix = topic;
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> oit(db_->NewIterator(rocksdb::ReadOptions(), offsets_));
  for (oit->Seek(prefix); oit->Valid() && oit->key().starts_with(prefix); oit->Next()) {
    auto k = oit->key();
    if (k.size() != prefix.size() + 4) continue;
    uint32_t p = 0;
    for (size_t i = prefix.size(); i < k.size(); ++i) p = (p << 8) | uint8_t(k[i]);
    offsets[int32_t(p)] = decodeOffset(oit->value());
  }
  if (!oit->status().ok()) return tl::unexpected(storeError("cannot read", path_, oit->status()));
  return offsets;
}

Status WindowStore::commit(CorrelationEngine& engine, const std::string& topic,
                           const std::map<int32_t, int64_t>& next_offsets, const CountedSources& sources) {
  for (auto& change : engine.takeChanges()) pending_.push_back(std::move(change));
  rocksdb::WriteBatch batch;
  // In order: a group changed twice since the last successful write ends with its latest state.
  for (const auto& change : pending_) {
    auto* cf = change.kind == CorrelationEngine::StateChange::Kind::kGroup ? windows_ : timers_;
    if (change.value) batch.Put(cf, change.key, *change.value);
    else batch.Delete(cf, change.key);
  }
  batch.Put(meta_, kClockKey, engine.clockState());
  for (const auto& [partition, offset] : next_offsets)
    batch.Put(offsets_, offsetKey(topic, partition), encodeOffset(offset));
  for (const auto& [partitions, source] : sources) {
    std::string key = offsetKey(topic, partitions.first);
    key += offsetKey("", partitions.second).substr(1);
    batch.Put(sources_, key, encodeOffset(source.offset) + encodeOffset(int64_t(source.use)));
  }
  rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return tl::unexpected(storeError("cannot write", path_, s));
  pending_.clear();
  engine.shrink();  // what it evicts is on disk now
  return {};
}

Result<CountedSources> WindowStore::loadSources(const std::string& topic) {
  CountedSources out;
  std::string prefix = topic;
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), sources_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto k = it->key();
    auto v = it->value();
    if (k.size() != prefix.size() + 8 || v.size() != 16) continue;
    uint32_t mp = 0, sp = 0;
    for (size_t i = 0; i < 4; ++i) mp = (mp << 8) | uint8_t(k[prefix.size() + i]);
    for (size_t i = 4; i < 8; ++i) sp = (sp << 8) | uint8_t(k[prefix.size() + i]);
    out[{int32_t(mp), int32_t(sp)}] =
        MatchSource{int32_t(sp), decodeOffset(rocksdb::Slice(v.data(), 8)), uint32_t(decodeOffset(rocksdb::Slice(v.data() + 8, 8)))};
  }
  if (!it->status().ok()) return tl::unexpected(storeError("cannot read", path_, it->status()));
  return out;
}

void WindowStore::readFailed(const std::string& what) {
  ++stats_.read_errors;
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now().time_since_epoch()).count();
  if (now - last_error_log_us_ < 1000000) return;  // at most one a second
  last_error_log_us_ = now;
  logging::get("correlator")->error("Cannot read the correlation state. path={} error={}", path_, what);
}

std::optional<std::string> WindowStore::readGroup(std::string_view key) {
  // A write that failed is retried before more events are counted, but a reader may come first.
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it)
    if (it->kind == CorrelationEngine::StateChange::Kind::kGroup && it->key == key) return it->value;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), windows_, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.ok()) return value;
  if (!s.IsNotFound()) readFailed(s.ToString());
  return std::nullopt;
}

void WindowStore::scanTimers(std::string_view from, std::string_view prefix,
                             const std::function<bool(std::string_view key, std::string_view value)>& visit) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), timers_));
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (!key.starts_with(prefix) || !visit(key, it->value().ToStringView())) return;
  }
  if (!it->status().ok()) readFailed(it->status().ToString());
}

void WindowStore::scanGroupKeys(const std::function<void(std::string_view key)>& visit) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), windows_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) visit(it->key().ToStringView());
  if (!it->status().ok()) readFailed(it->status().ToString());
}

uint64_t WindowStore::estimatedGroups() const {
  uint64_t n = 0;
  db_->GetIntProperty(windows_, "rocksdb.estimate-num-keys", &n);
  return n;
}

uint64_t WindowStore::countGroups() const {
  uint64_t n = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), windows_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  return n;
}

}  // namespace hinomi::correlator
