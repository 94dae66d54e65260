#include "collector/outlet.h"

#include <thread>

#include "collector/spool/disk_spool.h"
#include "common/bus/bus.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/time.h"

namespace hinomi::collector {
namespace {

prometheus::Family<prometheus::Counter>& publishFailuresFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_collector_publish_failures_total")
                       .Help("Events the bus accepted for writing and then failed to store (disk "
                             "error), per listener; they are lost")
                       .Register(metrics::registry());
  return f;
}

}  // namespace

void AckGroup::done(bool ok) {
  std::lock_guard lock(mu_);
  if (!ok) failed_ = true;
  if (--pending_ == 0) cv_.notify_all();
}

bool AckGroup::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return pending_ <= 0; })) return false;
  return !failed_;
}

Status SpoolOutlet::put(std::string_view key, std::string_view value, const std::shared_ptr<AckGroup>& ack) {
  auto appended = spool_.append(topic_, key, value);
  if (ack) {
    ack->expect();
    ack->done(appended.has_value());
  }
  if (!appended) return tl::unexpected(appended.error());
  return {};
}

void SpoolOutlet::waitForRoom(int64_t bytes, std::chrono::milliseconds timeout) {
  spool_.waitForSpace(bytes, timeout);
}

struct BusOutlet::Failures {
  std::atomic<int64_t> count{0};
  std::atomic<int64_t> last_log_us{0};
  std::string listener;
  prometheus::Counter* counter = nullptr;

  void record(const bus::Delivery& d) {
    count.fetch_add(1, std::memory_order_relaxed);
    counter->Increment();
    const int64_t now = SystemClock::instance().nowMicros();
    int64_t prev = last_log_us.load(std::memory_order_relaxed);
    if (now - prev < 1'000'000 || !last_log_us.compare_exchange_strong(prev, now)) return;
    logging::get("collector")->error("Bus failed to store an event; it is lost. listener={} error={}",
                                     listener, d.error);
  }
};

BusOutlet::BusOutlet(bus::Bus& bus, std::string topic, std::string listener)
    : bus_(bus), topic_(std::move(topic)), failures_(std::make_shared<Failures>()) {
  failures_->listener = std::move(listener);
  failures_->counter = &publishFailuresFamily().Add({{"listener", failures_->listener}});
}

BusOutlet::~BusOutlet() {
  // Delivery callbacks hold a raw pointer to failures_: when outcomes are still due after the
  // wait, keep it alive for them rather than let them write to freed memory.
  if (!bus_.flush(std::chrono::seconds(10))) new std::shared_ptr<Failures>(failures_);
}

Status BusOutlet::put(std::string_view key, std::string_view value, const std::shared_ptr<AckGroup>& ack) {
  Failures* failures = failures_.get();
  Status st;
  if (!ack) {
    // One pointer: std::function keeps it inline, no allocation per event.
    st = bus_.publish(topic_, key, value, [failures](const bus::Delivery& d) {
      if (d.outcome != bus::DeliveryOutcome::kDelivered) failures->record(d);
    });
  } else {
    ack->expect();
    st = bus_.publish(topic_, key, value, [failures, ack](const bus::Delivery& d) {
      const bool ok = d.outcome == bus::DeliveryOutcome::kDelivered;
      if (!ok) failures->record(d);
      ack->done(ok);
    });
    if (!st) ack->done(false);
  }
  return st;
}

void BusOutlet::waitForRoom(int64_t, std::chrono::milliseconds timeout) {
  // The bus has no "room" signal; its queue empties within a write round (about a millisecond).
  std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(1)));
}

bool BusOutlet::sync(std::chrono::milliseconds timeout) {
  if (!bus_.flush(timeout)) return false;
  const int64_t now = failures_->count.load();
  const bool clean = now == failures_seen_;
  failures_seen_ = now;
  return clean;
}

}  // namespace hinomi::collector
