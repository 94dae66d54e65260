#include "common/bus/embedded_consumer.h"

#include <algorithm>

#include "common/logging.h"

namespace hinomi::bus::embedded {
namespace {

tl::unexpected<Error> closedError() {
  return makeError(ErrorCode::kInvalidArgument, "embedded bus: the consumer is closed");
}

}  // namespace

EmbeddedConsumer::EmbeddedConsumer(std::shared_ptr<Log> log, Topic& topic, std::string group)
    : log_(std::move(log)), topic_(topic), group_(std::move(group)) {
  membership_ = log_->groups().join(topic_.id, group_);
  log_->notifyData();  // wakes the other members' polls to give up their partitions
  refresh();
}

EmbeddedConsumer::~EmbeddedConsumer() { close(); }

void EmbeddedConsumer::close() {
  if (closed_) return;
  closed_ = true;
  slots_.clear();
  log_->groups().leave(membership_);
  log_->notifyData();  // the remaining members take over our partitions
}

EmbeddedConsumer::Slot* EmbeddedConsumer::slot(int32_t partition) {
  for (auto& s : slots_)
    if (s.partition == partition) return &s;
  return nullptr;
}

void EmbeddedConsumer::refresh() {
  const uint64_t generation = membership_.group->generation();
  const int32_t partitions = topic_.partitions.load(std::memory_order_acquire);
  if (generation == seen_generation_ && partitions == seen_partitions_) return;
  std::vector<Slot> next;
  for (int32_t p : membership_.group->assignment(membership_.member, partitions)) {
    // A partition kept keeps its position; a new one starts where the group committed.
    const Slot* old = slot(p);
    next.push_back({p, old ? old->position : -1});
  }
  if (next.size() != slots_.size() ||
      !std::equal(next.begin(), next.end(), slots_.begin(),
                  [](const Slot& a, const Slot& b) { return a.partition == b.partition; })) {
    logging::get("bus")->debug("embedded bus assignment changed topic={} group={} partitions={}",
                               topic_.name, group_, next.size());
  }
  slots_ = std::move(next);
  seen_generation_ = generation;
  seen_partitions_ = partitions;
}

Status EmbeddedConsumer::resolvePositions() {
  for (auto& s : slots_) {
    if (s.position >= 0) continue;
    auto c = log_->committedOffset(topic_, group_, s.partition);
    if (!c) return tl::unexpected(c.error());
    s.position = c->value_or(0);
  }
  return {};
}

Status EmbeddedConsumer::readAvailable(size_t max, std::vector<Record>& out) {
  const size_t n = slots_.size();
  if (n == 0) return {};
  dry_.assign(n, 0);
  const size_t first = first_slot_++ % n;
  // Each partition with records gets an equal share of the batch; what some leave unused goes to
  // the others in the next pass, so a busy partition cannot starve a quiet one.
  while (out.size() < max) {
    size_t wanting = 0;
    for (size_t i = 0; i < n; ++i) {
      if (dry_[i]) continue;
      const auto& ps = topic_.parts[slots_[i].partition];
      if (slots_[i].position >= ps.end.load(std::memory_order_acquire))
        dry_[i] = 1;
      else
        ++wanting;
    }
    if (wanting == 0) break;
    const size_t share = std::max<size_t>(1, (max - out.size()) / wanting);
    for (size_t k = 0; k < n && out.size() < max; ++k) {
      const size_t i = (first + k) % n;
      if (dry_[i]) continue;
      Slot& s = slots_[i];
      const int64_t start = topic_.parts[s.partition].start.load(std::memory_order_acquire);
      if (s.position < start) {
        logging::get("bus")->info(
            "embedded bus consumer fell behind retention and moves to the first retained record "
            "topic={} group={} partition={} position={} first_retained={}",
            topic_.name, group_, s.partition, s.position, start);
        s.position = start;
      }
      const size_t want = std::min(share, max - out.size());
      auto got = log_->read(topic_, s.partition, s.position, want, out);
      if (!got) return tl::unexpected(got.error());
      // The last record tells the position: a hole retention made is stepped over.
      if (*got > 0) s.position = out.back().offset + 1;
      if (*got < want) dry_[i] = 1;
    }
  }
  return {};
}

Result<std::vector<Record>> EmbeddedConsumer::poll(size_t max_records,
                                                   std::chrono::milliseconds timeout) {
  if (closed_) return closedError();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<Record> out;
  for (;;) {
    const uint64_t seen = log_->dataGeneration();
    refresh();
    auto st = resolvePositions();
    if (st) st = readAvailable(max_records, out);
    if (!st) {
      // What was read before the error is handed out; its positions have moved already.
      if (out.empty()) return tl::unexpected(st.error());
      break;
    }
    if (!out.empty() || max_records == 0) break;
    if (log_->closed()) return makeError(ErrorCode::kUnavailable, "embedded bus is closed");
    if (!log_->waitForData(seen, deadline)) break;
  }
  topic_.metrics->consumed->Increment(double(out.size()));
  return out;
}

Status EmbeddedConsumer::commit(const std::vector<PartitionOffset>& offsets) {
  if (closed_) return closedError();
  const int32_t partitions = topic_.partitions.load(std::memory_order_acquire);
  for (const auto& po : offsets) {
    if (po.partition < 0 || po.partition >= partitions || po.offset < 0)
      return makeError(ErrorCode::kInvalidArgument,
                       "embedded bus: cannot commit offset " + std::to_string(po.offset) +
                           " of partition " + std::to_string(po.partition) + " of topic " +
                           topic_.name);
  }
  if (offsets.empty()) return {};
  if (auto st = log_->commitOffsets(topic_, group_, offsets); !st) return st;
  topic_.metrics->committed->Increment();
  return {};
}

Status EmbeddedConsumer::seek(int32_t partition, int64_t offset) {
  if (closed_) return closedError();
  refresh();
  Slot* s = slot(partition);
  if (!s || offset < 0)
    return makeError(ErrorCode::kInvalidArgument,
                     "embedded bus: cannot seek to offset " + std::to_string(offset) +
                         " of partition " + std::to_string(partition) + " of topic " + topic_.name +
                         " (not assigned to this consumer, or negative)");
  s->position = offset;
  return {};
}

Result<std::optional<int64_t>> EmbeddedConsumer::committed(int32_t partition) {
  if (closed_) return closedError();
  if (partition < 0 || partition >= topic_.partitions.load(std::memory_order_acquire))
    return makeError(
        ErrorCode::kInvalidArgument,
        "embedded bus: topic " + topic_.name + " has no partition " + std::to_string(partition));
  return log_->committedOffset(topic_, group_, partition);
}

std::vector<int32_t> EmbeddedConsumer::assignment() {
  if (closed_) return {};
  refresh();
  std::vector<int32_t> out;
  for (const auto& s : slots_) out.push_back(s.partition);
  return out;
}

}  // namespace hinomi::bus::embedded
