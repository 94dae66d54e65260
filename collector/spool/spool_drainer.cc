#include "collector/spool/spool_drainer.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "collector/spool/spool_metrics.h"
#include "common/logging.h"

namespace hinomi::collector {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr auto kLogEvery = std::chrono::seconds(10);

// One warning per kind per kLogEvery, with how many were left out (style.md: per-event warnings
// are rate-limited).
class RateLimitedLog {
 public:
  template <typename... Args>
  void warn(fmt::format_string<Args...> format, Args&&... args) {
    auto now = steady_clock::now();
    if (last_ && now - *last_ < kLogEvery) {
      ++suppressed_;
      return;
    }
    auto message = fmt::format(format, std::forward<Args>(args)...);
    logging::get("spool")->warn("{} suppressed={}", message, suppressed_);
    last_ = now;
    suppressed_ = 0;
  }

 private:
  std::optional<steady_clock::time_point> last_;
  int64_t suppressed_ = 0;
};

}  // namespace

// What the drainer thread and the delivery callbacks share. Callbacks hold it by shared_ptr, so
// one arriving after the drainer is destroyed touches only this.
struct SpoolDrainer::Shared {
  struct Slot {
    SpoolEntry entry;
    bool done = false;
    bus::DeliveryOutcome outcome = bus::DeliveryOutcome::kRetry;
    std::string error;
  };

  std::mutex mu;
  std::condition_variable cv;
  std::map<uint64_t, Slot> window;  // published entries by seq, not yet released
  uint64_t generation = 0;          // bumped on every rewind; older callbacks are ignored
  size_t unresolved = 0;            // slots of this generation still without an outcome
  bool retry = false;               // some slot came back kRetry
  bool stop = false;
  int64_t rewinds = 0;
};

SpoolDrainer::SpoolDrainer(DiskSpool& spool, bus::Bus& bus, DrainerOptions options)
    : spool_(spool), bus_(bus), options_(options), shared_(std::make_shared<Shared>()) {
  options_.max_in_flight = std::max<size_t>(1, options_.max_in_flight);
  options_.read_batch = std::max<size_t>(1, options_.read_batch);
}

SpoolDrainer::~SpoolDrainer() { stop(); }

void SpoolDrainer::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(shared_->mu);
    shared_->stop = false;
  }
  thread_ = std::thread([this] { run(); });
}

void SpoolDrainer::stop() {
  {
    std::lock_guard lock(shared_->mu);
    shared_->stop = true;
  }
  shared_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t SpoolDrainer::rewinds() const {
  std::lock_guard lock(shared_->mu);
  return shared_->rewinds;
}

void SpoolDrainer::run() {
  auto& metrics = SpoolMetrics::forSpool(spool_.name());
  auto log = logging::get("spool");
  RateLimitedLog retry_log, reject_log, io_log;
  Shared& s = *shared_;
  uint64_t cursor = 0;  // next seq to read from the spool
  milliseconds backoff = options_.min_backoff;

  // Sleeps `backoff` unless stopped; doubles it for next time. False when stopped.
  auto backOff = [&]() {
    std::unique_lock lock(s.mu);
    bool stopped = s.cv.wait_for(lock, backoff, [&] { return s.stop; });
    backoff = std::min(options_.max_backoff, backoff * 2);
    return !stopped;
  };

  // Releases the resolved prefix of the window: delivered entries leave the spool, rejected ones
  // go to the dead letters. The prefix ends at the first slot without an outcome or with kRetry.
  std::vector<SpoolEntry> delivered;
  std::vector<DeadLetter> rejected;
  auto harvest = [&](bool final_round) {
    {
      std::lock_guard lock(s.mu);
      while (!s.window.empty()) {
        auto it = s.window.begin();
        if (!it->second.done || it->second.outcome == bus::DeliveryOutcome::kRetry) break;
        if (it->second.outcome == bus::DeliveryOutcome::kDelivered) {
          delivered.push_back(std::move(it->second.entry));
        } else {
          rejected.push_back(DeadLetter{std::move(it->second.entry), std::move(it->second.error)});
        }
        s.window.erase(it);
      }
    }
    if (delivered.empty() && rejected.empty()) return true;
    // Counted once harvested, whether or not the release below succeeds: the bus has them.
    metrics.delivered->Increment(double(delivered.size()));
    for (const auto& d : rejected)
      reject_log.warn("the bus rejected a spooled entry; moved to dead letters spool={} topic={} "
                      "seq={} error={}",
                      spool_.name(), d.entry.topic, d.entry.seq, d.error);
    if (!delivered.empty()) backoff = options_.min_backoff;
    // Kept until released: a failed release (disk error) is tried again after the backoff, and
    // the entries are not re-sent meanwhile since the cursor is past them.
    while (true) {
      auto st = spool_.release(delivered, rejected);
      if (st) break;
      io_log.warn("cannot release delivered entries from the spool spool={} error={}",
                  spool_.name(), st.error().toString());
      if (final_round || !backOff()) return false;
    }
    delivered.clear();
    rejected.clear();
    return true;
  };

  for (;;) {
    if (!harvest(false)) break;
    {
      std::unique_lock lock(s.mu);
      if (s.stop) break;
      if (s.retry) {
        // Let every outcome of this round arrive (librdkafka reports a record it could not send
        // only at message.timeout.ms), so nothing sent before the rewind can land after what
        // is re-sent.
        s.cv.wait(lock, [&] { return s.stop || s.unresolved == 0; });
        if (s.stop) break;
        lock.unlock();
        if (!harvest(false)) break;
        lock.lock();
        size_t retried = 0;
        std::string first_error;
        for (auto& [seq, slot] : s.window)
          if (slot.done && slot.outcome == bus::DeliveryOutcome::kRetry && retried++ == 0)
            first_error = slot.error;
        if (!s.window.empty()) cursor = s.window.begin()->first;
        s.window.clear();
        s.retry = false;
        ++s.generation;
        ++s.rewinds;
        lock.unlock();
        metrics.retries->Increment(double(retried));
        retry_log.warn("the bus could not take spooled entries yet; re-sending from the oldest "
                       "spool={} from_seq={} retried={} backoff_ms={} error={}",
                       spool_.name(), cursor, retried, backoff.count(), first_error);
        if (!backOff()) break;
        continue;
      }
    }

    size_t room = 0;
    {
      std::lock_guard lock(s.mu);
      room = options_.max_in_flight - std::min(options_.max_in_flight, s.window.size());
    }
    if (room == 0) {
      std::unique_lock lock(s.mu);
      // Until the oldest has an outcome (then harvest frees room), a retry, or stop.
      s.cv.wait_for(lock, milliseconds(50), [&] {
        return s.stop || s.retry || (!s.window.empty() && s.window.begin()->second.done);
      });
      continue;
    }

    auto batch = spool_.read(cursor, std::min(room, options_.read_batch));
    if (!batch) {
      io_log.warn("cannot read the spool spool={} error={}", spool_.name(),
                  batch.error().toString());
      if (!backOff()) break;
      continue;
    }
    if (batch->empty()) {
      bool in_flight = false;
      {
        std::lock_guard lock(s.mu);
        in_flight = !s.window.empty();
      }
      if (in_flight) {
        // Outcomes arrive on the bus's thread: wake for them, and look for new entries soon.
        std::unique_lock lock(s.mu);
        s.cv.wait_for(lock, milliseconds(5), [&] {
          return s.stop || s.retry || s.window.begin()->second.done;
        });
      } else {
        (void)spool_.waitForEntries(cursor, milliseconds(50));
      }
      continue;
    }

    bool publish_failed = false;
    for (auto& entry : *batch) {
      const uint64_t seq = entry.seq;
      uint64_t generation = 0;
      const Shared::Slot* slot = nullptr;
      {
        std::lock_guard lock(s.mu);
        if (s.retry || s.stop) break;  // stop sending this round; the loop handles it
        generation = s.generation;
        slot = &s.window.emplace(seq, Shared::Slot{std::move(entry), false,
                                                   bus::DeliveryOutcome::kRetry, {}})
                    .first->second;
        ++s.unresolved;
      }
      // The slot's entry is stable: only this thread erases slots, and std::map nodes do not
      // move.
      auto st = bus_.publish(
          slot->entry.topic, slot->entry.key, slot->entry.value,
          [shared = shared_, seq, generation](const bus::Delivery& d) {
            std::lock_guard lock(shared->mu);
            if (shared->generation != generation) return;  // from before a rewind or a stop
            auto it = shared->window.find(seq);
            if (it == shared->window.end() || it->second.done) return;
            it->second.done = true;
            it->second.outcome = d.outcome;
            it->second.error = d.error;
            --shared->unresolved;
            if (d.outcome == bus::DeliveryOutcome::kRetry) shared->retry = true;
            shared->cv.notify_all();
          });
      if (st) {
        cursor = seq + 1;
        continue;
      }
      std::lock_guard lock(s.mu);
      auto it = s.window.find(seq);
      const std::string topic = it->second.entry.topic;
      if (st.error().code == ErrorCode::kInvalidArgument) {
        // The bus refuses this record for good (too large, bad topic): sending again cannot
        // help, so it is a rejection, released in order like any other.
        it->second.done = true;
        it->second.outcome = bus::DeliveryOutcome::kRejected;
        it->second.error = st.error().message;
        --s.unresolved;
        cursor = seq + 1;
        continue;
      }
      // Nothing was queued (queue full, bus closed): the same entry goes again after a backoff.
      s.window.erase(it);
      --s.unresolved;
      metrics.retries->Increment();
      retry_log.warn("the bus refused a spooled entry for now spool={} topic={} seq={} error={}",
                     spool_.name(), topic, seq, st.error().toString());
      publish_failed = true;
      break;
    }
    if (publish_failed && !backOff()) break;
  }

  // Stopping: give what is in flight a moment to get its outcome, release the delivered prefix,
  // and forget the rest (it stays in the spool and is re-sent by the next drainer).
  {
    std::unique_lock lock(s.mu);
    s.cv.wait_for(lock, options_.stop_timeout, [&] { return s.unresolved == 0; });
  }
  (void)harvest(true);
  std::lock_guard lock(s.mu);
  s.window.clear();
  s.unresolved = 0;
  s.retry = false;
  ++s.generation;
}

}  // namespace hinomi::collector
