// Retention: records older than retention_secs are deleted a partition prefix at a time.
#include <rocksdb/convenience.h>

#include "common/bus/embedded_log.h"
#include "common/bus/embedded_log_keys.h"
#include "common/logging.h"

namespace hinomi::bus::embedded {

Result<int64_t> Log::applyRetention() {
  if (options_.retention_secs <= 0) return int64_t{0};
  std::lock_guard serial(retention_mu_);
  std::vector<Topic*> topics;
  {
    std::shared_lock lock(topics_mu_);
    for (auto& [name, t] : topics_) topics.push_back(t.get());
  }
  const int64_t cutoff_ms = clock_.nowMicros() / 1000 - options_.retention_secs * 1000;
  int64_t deleted = 0;
  for (Topic* t : topics) {
    for (int32_t p = 0; p < t->partitions.load(std::memory_order_acquire); ++p) {
      auto n = retainPartition(*t, p, cutoff_ms);
      if (!n) return tl::unexpected(n.error());
      deleted += *n;
    }
  }
  return deleted;
}

Result<std::optional<Log::ChunkInfo>> Log::chunkAt(const Topic& t, int32_t partition,
                                                   int64_t offset) {
  char lo[kRecordKeySize], hi[kRecordKeySize], at[kRecordKeySize];
  encodeRecordKey(lo, t.id, partition, 0);
  encodeRecordKey(hi, t.id, partition + 1, 0);
  encodeRecordKey(at, t.id, partition, offset);
  rocksdb::Slice lower(lo, kRecordKeySize), upper(hi, kRecordKeySize);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower;
  ro.iterate_upper_bound = &upper;
  std::shared_lock lock(store_mu_);
  if (!store_) return makeError(ErrorCode::kUnavailable, "embedded bus is closed");
  std::unique_ptr<rocksdb::Iterator> it(store_->db().NewIterator(ro, store_->records()));
  it->SeekForPrev(rocksdb::Slice(at, kRecordKeySize));
  if (!it->Valid() && it->status().ok()) it->Seek(rocksdb::Slice(at, kRecordKeySize));
  if (!it->status().ok())
    return tl::unexpected(storeError(ErrorCode::kIo, "reading topic " + t.name + " from",
                                     store_->path(), it->status()));
  if (!it->Valid()) return std::optional<ChunkInfo>();
  ChunkReader chunk({it->value().data(), it->value().size()});
  if (chunk.corrupt())
    return makeError(ErrorCode::kIo,
                     "embedded bus: corrupt chunk in topic " + t.name + " in " + store_->path());
  return std::optional<ChunkInfo>(ChunkInfo{recordKeyOffset({it->key().data(), it->key().size()}),
                                            chunk.header().count,
                                            chunk.header().last_timestamp_ms});
}

Result<int64_t> Log::retainPartition(Topic& t, int32_t partition, int64_t cutoff_ms) {
  PartitionState& ps = t.parts[partition];
  const int64_t first = ps.start.load(std::memory_order_acquire);
  int64_t lo = first, hi = ps.end.load(std::memory_order_acquire);
  // Timestamps never decrease along a partition (append() keeps them monotonic), so the first
  // chunk to keep is found by bisection with a handful of seeks. Whole chunks go: lo only ever
  // lands on a chunk's end and hi on a chunk's start.
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    auto c = chunkAt(t, partition, mid);
    if (!c) return tl::unexpected(c.error());
    if (!*c) break;
    const ChunkInfo& chunk = **c;
    if (chunk.last_timestamp_ms <= cutoff_ms)
      lo = std::max(chunk.first + int64_t(chunk.count), mid + 1);
    else
      hi = std::max(lo, chunk.first);
  }
  if (lo <= first) return int64_t{0};

  // The range starts at the bare partition prefix, which sorts before all of its records: it
  // covers what earlier runs deleted too, whatever their chunk boundaries.
  char from[kPartitionPrefixSize], to[kRecordKeySize];
  encodePartitionPrefix(from, t.id, partition);
  encodeRecordKey(to, t.id, partition, lo);
  const rocksdb::Slice begin(from, kPartitionPrefixSize), end(to, kRecordKeySize);
  {
    std::shared_lock lock(store_mu_);
    if (!store_) return makeError(ErrorCode::kUnavailable, "embedded bus is closed");
    rocksdb::WriteBatch batch;
    // The new start is stored with the deletion: if everything was deleted, reopening continues
    // numbering from it rather than from 0.
    auto s = batch.DeleteRange(store_->records(), begin, end);
    if (s.ok()) s = batch.Put(store_->meta(), startMetaKey(t.id, partition), encodeI64(lo));
    if (s.ok()) s = store_->db().Write(writeOptions(), &batch);
    if (!s.ok())
      return tl::unexpected(storeError(
          ErrorCode::kIo, "deleting old records of topic " + t.name + " in", store_->path(), s));
    markUnsynced();
    ps.start.store(lo, std::memory_order_release);
    // The tombstone hides the records at once; dropping the files wholly inside the range frees
    // their space now instead of at the next compaction.
    s = rocksdb::DeleteFilesInRange(&store_->db(), store_->records(), &begin, &end, false);
    if (!s.ok())
      logging::get("bus")->warn("embedded bus could not drop old files topic={} error={}", t.name,
                                s.ToString());
  }
  logging::get("bus")->info(
      "embedded bus retention deleted old records topic={} partition={} from={} to={}", t.name,
      partition, first, lo);
  return lo - first;
}

}  // namespace hinomi::bus::embedded
