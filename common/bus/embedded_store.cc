#include "common/bus/embedded_store.h"

#include <rocksdb/sst_partitioner.h>
#include <rocksdb/table.h>

#include <filesystem>
#include <vector>

#include "common/bus/embedded_log_keys.h"

namespace hinomi::bus::embedded {
namespace {

constexpr const char* kRecordsCf = "records";
constexpr const char* kOffsetsCf = "offsets";
constexpr const char* kMetaCf = "meta";

rocksdb::DBOptions dbOptions() {
  rocksdb::DBOptions o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  // Every Write() hands its WAL record to the OS (write(2)) before it returns, which is what lets
  // a delivery report survive kill -9 without an fsync. manual_wal_flush would keep the record in
  // RocksDB's own buffer until FlushWAL(), so it stays off.
  o.manual_wal_flush = false;
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  o.max_background_jobs = 2;
  // Write back SST and WAL data as it is produced instead of in one burst at fsync or memtable
  // flush, which would stall the writer for the length of the burst.
  o.bytes_per_sync = 1 << 20;
  o.wal_bytes_per_sync = 1 << 20;
  // The offsets and meta column families see few writes; without a cap their memtables would keep
  // every old WAL file alive.
  o.max_total_wal_size = uint64_t(512) << 20;
  o.keep_log_file_num = 4;
  o.max_log_file_size = 16 << 20;
  return o;
}

rocksdb::ColumnFamilyOptions recordsOptions() {
  rocksdb::ColumnFamilyOptions o;
  // Large memtables: fewer, larger flushes at 150 MB/s of appends.
  o.write_buffer_size = 64 << 20;
  o.max_write_buffer_number = 4;
  o.level0_slowdown_writes_trigger = 40;
  o.level0_stop_writes_trigger = 60;
  // The writer compresses each chunk itself (embedded_log_keys.h), so that the WAL gets the small
  // form too; compressing blocks again in SST files would spend CPU for nothing.
  o.compression = rocksdb::kNoCompression;
  o.bottommost_compression = rocksdb::kNoCompression;
  o.level_compaction_dynamic_level_bytes = true;
  o.sst_partitioner_factory = rocksdb::NewSstPartitionerFixedPrefixFactory(kPartitionPrefixSize);
  rocksdb::BlockBasedTableOptions t;
  t.block_size = 32 << 10;  // chunks are scanned, rarely looked up
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

rocksdb::ColumnFamilyOptions smallOptions() {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = 4 << 20;
  return o;
}

}  // namespace

Error storeError(ErrorCode code, const std::string& what, const std::string& path,
                 const rocksdb::Status& s) {
  return Error{code, "embedded bus: " + what + " " + path + ": " + s.ToString(), {}};
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  if (path.empty()) return makeError(ErrorCode::kInvalidArgument, "embedded bus: path is empty");
  // RocksDB creates only the last directory; data_dir/bus may be the first thing under data_dir.
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return makeError(ErrorCode::kIo, "embedded bus: cannot create " + path + ": " + ec.message());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, smallOptions()},
      {kRecordsCf, recordsOptions()},
      {kOffsetsCf, smallOptions()},
      {kMetaCf, smallOptions()},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(dbOptions(), path, cfs, &handles, &raw);
  if (!s.ok()) {
    std::string hint;
    if (s.ToString().find("lock") != std::string::npos ||
        s.ToString().find("LOCK") != std::string::npos)
      hint = " (is another hinomi process using this data directory?)";
    auto e = storeError(ErrorCode::kIo, "cannot open RocksDB at", path, s);
    e.message += hint;
    return tl::unexpected(std::move(e));
  }
  std::unique_ptr<Store> store(new Store());
  store->path_ = path;
  store->db_.reset(raw);
  store->default_ = handles[0];
  store->records_ = handles[1];
  store->offsets_ = handles[2];
  store->meta_ = handles[3];
  return store;
}

Status Store::close() {
  if (!db_) return {};
  for (auto* h : {default_, records_, offsets_, meta_}) {
    if (h) db_->DestroyColumnFamilyHandle(h);
  }
  default_ = records_ = offsets_ = meta_ = nullptr;
  rocksdb::Status s = db_->Close();
  db_.reset();
  if (!s.ok()) return tl::unexpected(storeError(ErrorCode::kIo, "closing RocksDB at", path_, s));
  return {};
}

Store::~Store() { (void)close(); }

}  // namespace hinomi::bus::embedded
