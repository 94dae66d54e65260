// The log's life cycle (open, recovery, shutdown), its topics, and reading and committing.
// Appending is in embedded_writer.cc, retention in embedded_retention.cc.
#include "common/bus/embedded_log.h"

#include <algorithm>
#include <map>

#include "common/bus/embedded_log_keys.h"
#include "common/logging.h"

namespace hinomi::bus::embedded {
namespace {

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

bool validTopicName(const std::string& name) {
  // Kafka's rule, so that a topic can move between the two buses unchanged.
  if (name.empty() || name.size() > 249) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

Status validate(const EmbeddedBusOptions& o) {
  auto bad = [](const std::string& m) { return makeError(ErrorCode::kInvalidArgument, m); };
  if (o.path.empty()) return bad("embedded bus: path is empty");
  if (o.default_partitions < 1 || o.default_partitions > kMaxPartitions)
    return bad("embedded bus: default_partitions must be 1.." + std::to_string(kMaxPartitions));
  if (o.fsync == FsyncPolicy::kInterval && o.fsync_interval_ms < 1)
    return bad("embedded bus: fsync_interval_ms must be at least 1");
  if (o.max_queued_records < 1) return bad("embedded bus: max_queued_records must be at least 1");
  if (o.retention_secs < 0) return bad("embedded bus: retention_secs must not be negative");
  return {};
}

}  // namespace

Log::Log(const EmbeddedBusOptions& options, const Clock& clock, std::unique_ptr<Store> store)
    : options_(options), clock_(clock), store_(std::move(store)) {}

Result<std::shared_ptr<Log>> Log::open(const EmbeddedBusOptions& options, const Clock& clock) {
  if (auto st = validate(options); !st) return tl::unexpected(st.error());
  auto store = Store::open(options.path);
  if (!store) return tl::unexpected(store.error());
  std::shared_ptr<Log> log(new Log(options, clock, std::move(*store)));
  if (auto st = log->recover(); !st) return tl::unexpected(st.error());
  log->writer_ = std::thread(&Log::writerLoop, log.get());
  log->maintenance_ = std::thread(&Log::maintenanceLoop, log.get());
  logging::get("bus")->info("embedded bus opened path={} topics={}", options.path,
                            log->topics_.size());
  return log;
}

Log::~Log() { shutdown(); }

void Log::shutdown() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  writer_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(maintenance_mu_);
    stop_maintenance_ = true;
  }
  maintenance_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  {
    std::unique_lock lock(store_mu_);
    if (store_) {
      auto log = logging::get("bus");
      if (options_.fsync == FsyncPolicy::kInterval && unsynced_.exchange(false)) {
        auto s = store_->db().SyncWAL();
        if (!s.ok())
          log->error("embedded bus could not fsync its log path={} error={}", store_->path(),
                     s.ToString());
      }
      if (auto st = store_->close(); !st)
        log->error("{}", st.error().message);
      else
        log->info("embedded bus closed path={}", options_.path);
      store_.reset();
    }
    closed_.store(true, std::memory_order_release);
  }
  notifyData();
}

Topic& Log::addTopic(uint32_t id, const std::string& name, int32_t partitions) {
  auto t = std::make_unique<Topic>();
  t->id = id;
  t->name = name;
  t->partitions.store(partitions, std::memory_order_release);
  t->metrics = &BusMetrics::forTopic("embedded", name);
  t->parts = std::make_unique<PartitionState[]>(kMaxPartitions);
  next_topic_id_ = std::max(next_topic_id_, id + 1);
  return *topics_.emplace(name, std::move(t)).first->second;
}

Status Log::recover() {
  auto& db = store_->db();
  std::map<std::pair<uint32_t, int32_t>, int64_t> starts;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), store_->meta()));
  for (it->Seek(rocksdb::Slice(kStartMetaPrefix.data(), kStartMetaPrefix.size()));
       it->Valid() && view(it->key()).starts_with(kStartMetaPrefix); it->Next()) {
    auto k = view(it->key()).substr(kStartMetaPrefix.size());
    if (k.size() != kPartitionPrefixSize || it->value().size() != 8) continue;
    starts[{getU32(k.data()), int32_t(getU32(k.data() + 4))}] = int64_t(getU64(it->value().data()));
  }
  for (it->Seek(rocksdb::Slice(kTopicMetaPrefix.data(), kTopicMetaPrefix.size()));
       it->Valid() && view(it->key()).starts_with(kTopicMetaPrefix); it->Next()) {
    std::string name(view(it->key()).substr(kTopicMetaPrefix.size()));
    if (it->value().size() != 8)
      return makeError(ErrorCode::kIo,
                       "embedded bus: bad metadata for topic " + name + " in " + store_->path());
    uint32_t id = getU32(it->value().data());
    auto partitions = int32_t(getU32(it->value().data() + 4));
    if (partitions < 1 || partitions > kMaxPartitions)
      return makeError(ErrorCode::kIo, "embedded bus: topic " + name + " has " +
                                           std::to_string(partitions) + " partitions in " +
                                           store_->path());
    addTopic(id, name, partitions);
  }
  if (!it->status().ok())
    return tl::unexpected(
        storeError(ErrorCode::kIo, "reading metadata of", store_->path(), it->status()));
  for (auto& [name, t] : topics_) {
    for (int32_t p = 0; p < t->partitions.load(); ++p) {
      auto found = starts.find({t->id, p});
      if (auto st = recoverPartition(*t, p, found == starts.end() ? 0 : found->second); !st)
        return st;
    }
  }
  return {};
}

// The next offset continues after the last record, or after what retention deleted when it
// deleted everything, so an offset is never handed out twice.
Status Log::recoverPartition(Topic& t, int32_t partition, int64_t stored_start) {
  char lo[kRecordKeySize], hi[kRecordKeySize];
  encodeRecordKey(lo, t.id, partition, 0);
  encodeRecordKey(hi, t.id, partition + 1, 0);
  rocksdb::Slice lower(lo, kRecordKeySize), upper(hi, kRecordKeySize);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(store_->db().NewIterator(ro, store_->records()));
  int64_t start = stored_start, end = stored_start;
  it->SeekToFirst();
  if (it->Valid()) {
    start = std::max(start, recordKeyOffset(view(it->key())));
    it->SeekToLast();
    if (it->Valid()) {
      ChunkReader last(view(it->value()));
      if (last.corrupt())
        return makeError(ErrorCode::kIo, "embedded bus: corrupt last chunk of topic " + t.name +
                                             " partition " + std::to_string(partition) + " in " +
                                             store_->path());
      end = std::max(end, recordKeyOffset(view(it->key())) + int64_t(last.header().count));
    }
  }
  if (!it->status().ok())
    return tl::unexpected(storeError(ErrorCode::kIo, "recovering topic " + t.name + " in",
                                     store_->path(), it->status()));
  auto& ps = t.parts[partition];
  ps.start.store(std::min(start, end));
  ps.end.store(end);
  ps.next = end;
  return {};
}

Status Log::writeTopicMeta(const Topic& t, int32_t partitions) {
  std::shared_lock lock(store_mu_);
  if (!store_) return makeError(ErrorCode::kUnavailable, "embedded bus is closed");
  rocksdb::WriteOptions wo;
  wo.sync = true;  // rare, and without it the records of a new topic could outlive its name
  auto s =
      store_->db().Put(wo, store_->meta(), topicMetaKey(t.name), encodeTopicMeta(t.id, partitions));
  if (!s.ok())
    return tl::unexpected(
        storeError(ErrorCode::kIo, "writing topic " + t.name + " to", store_->path(), s));
  return {};
}

Topic* Log::findTopic(const std::string& name) {
  std::shared_lock lock(topics_mu_);
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : it->second.get();
}

Result<Topic*> Log::topic(const std::string& name, int32_t min_partitions) {
  if (Topic* t = findTopic(name); t && t->partitions.load() >= min_partitions) return t;
  const int32_t want = min_partitions > 0 ? min_partitions : options_.default_partitions;
  if (want > kMaxPartitions)
    return makeError(ErrorCode::kInvalidArgument,
                     "embedded bus: at most " + std::to_string(kMaxPartitions) + " partitions");
  if (!validTopicName(name))
    return makeError(
        ErrorCode::kInvalidArgument,
        "embedded bus: topic name '" + name + "' is not 1..249 characters of [a-zA-Z0-9._-]");
  std::unique_lock lock(topics_mu_);
  auto it = topics_.find(name);
  if (it != topics_.end()) {
    Topic& t = *it->second;
    if (t.partitions.load() >= want) return &t;
    // Adding partitions would move keys and break per-key order; the Kafka bus refuses it too.
    return makeError(ErrorCode::kConfig, "topic " + name + " has " + std::to_string(t.partitions.load()) +
                                             " partitions, fewer than " + std::to_string(want) +
                                             "; the embedded bus does not add partitions to a topic");
  }
  Topic probe;
  probe.id = next_topic_id_;
  probe.name = name;
  if (auto st = writeTopicMeta(probe, want); !st) return tl::unexpected(st.error());
  logging::get("bus")->info("embedded bus topic created topic={} partitions={}", name, want);
  return &addTopic(probe.id, name, want);
}

Result<size_t> Log::read(const Topic& t, int32_t partition, int64_t from, size_t max,
                         std::vector<Record>& out) {
  const int64_t end = t.parts[partition].end.load(std::memory_order_acquire);
  if (from >= end || max == 0) return size_t{0};
  std::shared_lock lock(store_mu_);
  if (!store_) return makeError(ErrorCode::kUnavailable, "embedded bus is closed");
  char lo[kRecordKeySize], hi[kRecordKeySize], at[kRecordKeySize];
  encodeRecordKey(lo, t.id, partition, 0);
  encodeRecordKey(hi, t.id, partition, end);  // a record is readable once its delivery is reported
  encodeRecordKey(at, t.id, partition, from);
  rocksdb::Slice lower(lo, kRecordKeySize), upper(hi, kRecordKeySize);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(store_->db().NewIterator(ro, store_->records()));
  // The chunk holding `from` starts at or before it; before the first retained chunk there is
  // none, and reading starts at the first chunk after.
  it->SeekForPrev(rocksdb::Slice(at, kRecordKeySize));
  if (!it->Valid() && it->status().ok()) it->Seek(rocksdb::Slice(at, kRecordKeySize));
  // On an error the records of this call are taken back, since the caller's position stays.
  const size_t before = out.size();
  size_t n = 0;
  for (; it->Valid() && n < max; it->Next()) {
    ChunkReader chunk(view(it->value()));
    int64_t offset = recordKeyOffset(view(it->key()));
    int64_t ts = 0;
    std::string_view key, value;
    while (n < max && chunk.next(ts, key, value)) {
      if (offset >= from) {
        Record& r = out.emplace_back();
        r.topic = t.name;
        r.partition = partition;
        r.offset = offset;
        r.key.assign(key);
        r.value.assign(value);
        r.timestamp_ms = ts;
        ++n;
      }
      ++offset;
    }
    if (chunk.corrupt()) {
      out.resize(before);
      return makeError(ErrorCode::kIo, "embedded bus: corrupt chunk at offset " +
                                           std::to_string(recordKeyOffset(view(it->key()))) +
                                           " of topic " + t.name + " partition " +
                                           std::to_string(partition) + " in " + store_->path());
    }
  }
  if (!it->status().ok()) {
    out.resize(before);
    return tl::unexpected(storeError(ErrorCode::kIo, "reading topic " + t.name + " from",
                                     store_->path(), it->status()));
  }
  return n;
}

bool Log::waitForData(uint64_t seen, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(data_mu_);
  return data_cv_.wait_until(lock, deadline, [&] {
    return data_gen_.load(std::memory_order_acquire) != seen || closed();
  });
}

void Log::notifyData() {
  {
    std::lock_guard lock(data_mu_);
    data_gen_.fetch_add(1, std::memory_order_acq_rel);
  }
  data_cv_.notify_all();
}

rocksdb::WriteOptions Log::writeOptions() const {
  rocksdb::WriteOptions wo;
  wo.sync = options_.fsync == FsyncPolicy::kAlways;
  return wo;
}

Status Log::commitOffsets(const Topic& t, const std::string& group,
                          const std::vector<PartitionOffset>& offsets) {
  std::shared_lock lock(store_mu_);
  if (!store_) return makeError(ErrorCode::kUnavailable, "embedded bus is closed");
  rocksdb::WriteBatch batch;
  for (const auto& po : offsets) {
    auto s =
        batch.Put(store_->offsets(), offsetsKey(t.id, po.partition, group), encodeI64(po.offset));
    if (!s.ok())
      return tl::unexpected(storeError(ErrorCode::kIo, "committing to", store_->path(), s));
  }
  auto s = store_->db().Write(writeOptions(), &batch);
  if (!s.ok())
    return tl::unexpected(storeError(ErrorCode::kIo, "committing to", store_->path(), s));
  markUnsynced();
  return {};
}

Result<std::optional<int64_t>> Log::committedOffset(const Topic& t, const std::string& group,
                                                    int32_t partition) {
  std::shared_lock lock(store_mu_);
  if (!store_) return makeError(ErrorCode::kUnavailable, "embedded bus is closed");
  rocksdb::PinnableSlice value;
  auto s = store_->db().Get(rocksdb::ReadOptions(), store_->offsets(),
                            offsetsKey(t.id, partition, group), &value);
  if (s.IsNotFound()) return std::optional<int64_t>();
  if (!s.ok() || value.size() != 8)
    return tl::unexpected(storeError(ErrorCode::kIo,
                                     "reading committed offsets of group " + group + " from",
                                     store_->path(), s));
  return std::optional<int64_t>(int64_t(getU64(value.data())));
}

}  // namespace hinomi::bus::embedded
