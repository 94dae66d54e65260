#pragma once
// The RocksDB database under the embedded bus: its three column families and the options tuned for
// an append-only log (see embedded_log_keys.h for what each column family holds).

#include <rocksdb/db.h>

#include <memory>
#include <string>

#include "common/result.h"

namespace hinomi::bus::embedded {

class Store {
 public:
  // A RocksDB error (the LOCK held by another process, a corrupt file) becomes an Error that names
  // the path.
  [[nodiscard]] static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();  // close() if not done
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  [[nodiscard]] Status close();

  rocksdb::DB& db() { return *db_; }
  rocksdb::ColumnFamilyHandle* records() const { return records_; }
  rocksdb::ColumnFamilyHandle* offsets() const { return offsets_; }
  rocksdb::ColumnFamilyHandle* meta() const { return meta_; }
  const std::string& path() const { return path_; }

 private:
  Store() = default;

  std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* default_ = nullptr;
  rocksdb::ColumnFamilyHandle* records_ = nullptr;
  rocksdb::ColumnFamilyHandle* offsets_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
};

// "embedded bus: <what> <path>: <RocksDB's status>" as an Error of `code`.
Error storeError(ErrorCode code, const std::string& what, const std::string& path,
                 const rocksdb::Status& s);

}  // namespace hinomi::bus::embedded
