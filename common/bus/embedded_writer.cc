// Appending: publishers queue records, one writer thread group-commits each round into a single
// WriteBatch and reports the outcomes only after RocksDB has written it (see embedded_log.h for
// what survives what). The maintenance thread fsyncs under FsyncPolicy::kInterval and runs
// retention.
#include <algorithm>
#include <exception>

#include "common/bus/embedded_log.h"
#include "common/bus/embedded_log_keys.h"
#include "common/bus/partitioner.h"
#include "common/logging.h"

namespace hinomi::bus::embedded {
namespace {

// At a low rate the writer waits this long for a round to fill: on one core a woken writer would
// otherwise preempt the publisher and write one record per round.
constexpr size_t kLingerRecords = 512;
constexpr auto kLinger = std::chrono::milliseconds(1);

// Per-record failures (a broken disk, a throwing callback) are logged at most this often.
bool rateLimited(std::atomic<int64_t>& last_us, int64_t now_us) {
  int64_t prev = last_us.load(std::memory_order_relaxed);
  if (now_us - prev < 10'000'000) return true;
  return !last_us.compare_exchange_strong(prev, now_us);
}

}  // namespace

Status Log::append(Topic& topic, std::string_view key, std::string_view value,
                   DeliveryCallback cb) {
  if (key.size() + value.size() > kMaxRecordBytes)
    return makeError(ErrorCode::kInvalidArgument,
                     "embedded bus: record of " + std::to_string(key.size() + value.size()) +
                         " bytes is larger than " + std::to_string(kMaxRecordBytes));
  const int32_t partition = partitionFor(key, topic.partitions.load(std::memory_order_acquire));
  const int64_t now_us = clock_.nowMicros();
  size_t queued = 0;
  {
    std::lock_guard lock(mu_);
    if (closing_) return makeError(ErrorCode::kUnavailable, "embedded bus is closed");
    if (outstanding_ >= options_.max_queued_records)
      return makeError(ErrorCode::kUnavailable,
                       "embedded bus: " + std::to_string(outstanding_) +
                           " records are waiting to be written (max_queued_records); retry later");
    last_timestamp_ms_ = std::max(last_timestamp_ms_, now_us / 1000);
    const size_t before = queue_.bytes.size();
    try {
      appendRecord(queue_.bytes, last_timestamp_ms_, key, value);
      queue_.entries.push_back(Pending{&topic, partition, uint32_t(queue_.bytes.size() - before),
                                       -1, now_us, std::move(cb)});
    } catch (const std::bad_alloc&) {
      queue_.bytes.resize(before);
      return makeError(ErrorCode::kUnavailable, "embedded bus: out of memory queueing a record");
    }
    ++outstanding_;
    ++accepted_;
    ++topic.queued;
    queued = queue_.entries.size();
  }
  if (queued == 1 || queued == kLingerRecords) writer_cv_.notify_one();
  return {};
}

Status Log::flush(std::chrono::milliseconds timeout) {
  if (std::this_thread::get_id() == writer_.get_id())
    return makeError(ErrorCode::kInvalidArgument,
                     "embedded bus: flush() called from a delivery callback would wait forever");
  std::unique_lock lock(mu_);
  const uint64_t target = accepted_;
  if (reported_ >= target) return {};
  ++flush_waiters_;
  writer_cv_.notify_one();
  bool done = done_cv_.wait_for(lock, timeout, [&] { return reported_ >= target; });
  --flush_waiters_;
  if (!done)
    return makeError(ErrorCode::kUnavailable, "embedded bus: flush timed out with " +
                                                  std::to_string(target - reported_) +
                                                  " records not yet written");
  return {};
}

void Log::writerLoop() {
  Queue work;
  rocksdb::WriteBatch batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      writer_cv_.wait(lock, [&] { return !queue_.entries.empty() || closing_; });
      if (queue_.entries.size() < kLingerRecords && !closing_ && flush_waiters_ == 0) {
        writer_cv_.wait_for(lock, kLinger, [&] {
          return queue_.entries.size() >= kLingerRecords || closing_ || flush_waiters_ > 0;
        });
      }
      if (queue_.entries.empty()) {
        if (closing_) return;  // drained: shutdown() refuses new records before waking us
        continue;
      }
      std::swap(queue_, work);
    }
    writeRound(work, batch);
  }
}

void Log::writeRound(Queue& work, rocksdb::WriteBatch& batch) {
  batch.Clear();
  ++round_;
  size_t used = 0;
  // Consecutive records of a partition become one chunk, in publish order.
  const char* record = work.bytes.data();
  for (auto& e : work.entries) {
    PartitionState& ps = e.topic->parts[e.partition];
    e.offset = ps.next++;
    ChunkBuild* c = ps.chunk_round == round_ ? &chunks_[ps.chunk] : nullptr;
    if (!c || c->count == kMaxChunkRecords || c->bytes + e.size > kMaxChunkBytes) {
      if (used == chunks_.size()) chunks_.emplace_back();
      c = &chunks_[used];
      ps.chunk = used++;
      ps.chunk_round = round_;
      c->topic = e.topic;
      c->partition = e.partition;
      c->first = e.offset;
      c->count = 0;
      c->bytes = 0;
      c->parts.resize(1);
    }
    c->parts.emplace_back(record, e.size);
    ++c->count;
    c->bytes += e.size;
    c->last_timestamp_ms = recordTimestamp(record);
    record += e.size;
  }
  rocksdb::ColumnFamilyHandle* cf = store_->records();  // shutdown() joins us before closing
  rocksdb::Status s;
  char key[kRecordKeySize];
  const rocksdb::Slice key_slice(key, kRecordKeySize);
  for (size_t i = 0; i < used && s.ok(); ++i) {
    ChunkBuild& c = chunks_[i];
    encodeRecordKey(key, c.topic->id, c.partition, c.first);
    records_scratch_.clear();
    for (size_t p = 1; p < c.parts.size(); ++p) records_scratch_.append(c.parts[p].data(), c.parts[p].size());
    if (compressChunkBody(records_scratch_, compressed_scratch_)) {
      encodeChunkHeader(c.header, c.count, c.last_timestamp_ms, kCompressedChunkVersion);
      const rocksdb::Slice parts[2] = {rocksdb::Slice(c.header, kChunkHeaderSize),
                                       rocksdb::Slice(compressed_scratch_)};
      s = batch.Put(cf, rocksdb::SliceParts(&key_slice, 1), rocksdb::SliceParts(parts, 2));
    } else {
      encodeChunkHeader(c.header, c.count, c.last_timestamp_ms);
      c.parts[0] = rocksdb::Slice(c.header, kChunkHeaderSize);
      s = batch.Put(cf, rocksdb::SliceParts(&key_slice, 1),
                    rocksdb::SliceParts(c.parts.data(), int(c.parts.size())));
    }
  }
  if (s.ok()) s = store_->db().Write(writeOptions(), &batch);
  if (s.ok()) {
    for (auto& e : work.entries)
      e.topic->parts[e.partition].end.store(e.offset + 1, std::memory_order_release);
    markUnsynced();
    notifyData();
  } else {
    // Nothing of the round is readable; hand its offsets out again.
    for (auto& e : work.entries) {
      auto& ps = e.topic->parts[e.partition];
      ps.next = ps.end.load(std::memory_order_relaxed);
    }
    static std::atomic<int64_t> last_log_us{0};
    if (!rateLimited(last_log_us, clock_.nowMicros()))
      logging::get("bus")->error("embedded bus write failed records={} path={} error={}",
                                 work.entries.size(), options_.path, s.ToString());
  }
  reportRound(work, s);
}

void Log::reportRound(Queue& work, const rocksdb::Status& s) {
  const int64_t now_us = clock_.nowMicros();
  Delivery d;
  d.outcome = s.ok() ? DeliveryOutcome::kDelivered : DeliveryOutcome::kRetry;
  if (!s.ok()) d.error = "embedded bus: write failed: " + s.ToString();
  // Per-topic counts, so metrics cost one update per topic and round rather than per record.
  std::vector<std::pair<Topic*, int64_t>> counts;
  for (auto& e : work.entries) {
    d.partition = e.partition;
    d.offset = s.ok() ? e.offset : -1;
    if (counts.empty() || counts.back().first != e.topic) {
      auto it = std::find_if(counts.begin(), counts.end(),
                             [&](const auto& c) { return c.first == e.topic; });
      if (it == counts.end()) {
        counts.emplace_back(e.topic, 0);
      } else {
        std::iter_swap(it, counts.end() - 1);
      }
    }
    ++counts.back().second;
    e.topic->metrics->delivery_latency->Observe(
        double(std::max<int64_t>(0, now_us - e.accepted_us)) / 1e6);
    if (!e.cb) continue;
    try {
      e.cb(d);
    } catch (const std::exception& ex) {
      static std::atomic<int64_t> last_log_us{0};
      if (!rateLimited(last_log_us, now_us))
        logging::get("bus")->warn("embedded bus delivery callback threw topic={} error={}",
                                  e.topic->name, ex.what());
    } catch (...) {
    }
  }
  const auto total = int64_t(work.entries.size());
  // Callbacks (and what they captured) are gone before flush() can return.
  work.entries.clear();
  work.bytes.clear();
  for (auto [topic, n] : counts) {
    topic->metrics->published->Increment(double(n));
    (s.ok() ? topic->metrics->delivered : topic->metrics->retry)->Increment(double(n));
  }
  {
    std::lock_guard lock(mu_);
    for (auto [topic, n] : counts) {
      topic->queued -= n;
      topic->metrics->queued->Set(double(topic->queued));
    }
    outstanding_ -= total;
    reported_ += uint64_t(total);
  }
  done_cv_.notify_all();
}

void Log::markUnsynced() {
  if (options_.fsync == FsyncPolicy::kInterval) unsynced_.store(true, std::memory_order_release);
}

void Log::maintenanceLoop() {
  using std::chrono::milliseconds;
  using std::chrono::steady_clock;
  const bool interval = options_.fsync == FsyncPolicy::kInterval;
  const milliseconds sync_every(std::max<int64_t>(1, options_.fsync_interval_ms));
  // Retention is checked ten times per retention period, between once a second and once a minute.
  const milliseconds retain_every(std::clamp<int64_t>(options_.retention_secs * 100, 1000, 60000));
  auto next_sync = steady_clock::now() + sync_every;
  auto next_retention = steady_clock::now() + retain_every;
  auto log = logging::get("bus");
  std::unique_lock lock(maintenance_mu_);
  while (!stop_maintenance_) {
    auto wake =
        options_.retention_secs > 0 ? next_retention : steady_clock::now() + std::chrono::hours(1);
    if (interval) wake = std::min(wake, next_sync);
    if (maintenance_cv_.wait_until(lock, wake, [&] { return stop_maintenance_; })) break;
    lock.unlock();
    const auto now = steady_clock::now();
    if (interval && now >= next_sync) {
      if (unsynced_.exchange(false, std::memory_order_acq_rel)) {
        std::shared_lock store_lock(store_mu_);
        auto s = store_ ? store_->db().SyncWAL() : rocksdb::Status::OK();
        if (!s.ok()) {
          unsynced_.store(true);
          log->error("embedded bus could not fsync its log path={} error={}", options_.path,
                     s.ToString());
        }
      }
      next_sync = steady_clock::now() + sync_every;
    }
    if (options_.retention_secs > 0 && now >= next_retention) {
      if (auto r = applyRetention(); !r) log->warn("{}", r.error().message);
      next_retention = steady_clock::now() + retain_every;
    }
    lock.lock();
  }
}

}  // namespace hinomi::bus::embedded
