#pragma once
// Where a listener pipeline hands its serialised events. Two kinds:
//  - BusOutlet: straight onto the bus. Used with the embedded bus, whose RocksDB log on local disk
//    is itself the durable point; a spool in front of it would write every event twice to the
//    same disk (and did cost most of the ingest time).
//  - SpoolOutlet: into the disk spool, which SpoolDrainer empties onto a remote bus (Kafka) that
//    may be down or slow.
// Both refuse (kUnavailable) rather than queue without bound; the pipeline then back-pressures
// (stream sources), answers 503 (HTTP) or counts a drop (UDP).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hinomi::bus {
class Bus;
}

namespace hinomi::collector {

class DiskSpool;

// Outcomes of a group of puts (one HTTP request): who needs to know that *its* events are durable.
class AckGroup {
 public:
  void expect() { ++pending_; }
  void done(bool ok);
  // Waits until every expected put has an outcome; false on timeout or when any failed.
  bool wait(std::chrono::milliseconds timeout);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t pending_ = 0;
  bool failed_ = false;
};

class Outlet {
 public:
  virtual ~Outlet() = default;
  // Hands one event over. kUnavailable: no room now, nothing was taken (see fullReason). Other
  // errors: the event could not be stored. `ack` (optional) learns when the event is durable.
  [[nodiscard]] virtual Status put(std::string_view key, std::string_view value,
                                   const std::shared_ptr<AckGroup>& ack = nullptr) = 0;
  // Waits until an event of about `bytes` may fit, at most `timeout`.
  virtual void waitForRoom(int64_t bytes, std::chrono::milliseconds timeout) = 0;
  // True once everything put so far is durable (what a file tail needs before saving its position).
  virtual bool sync(std::chrono::milliseconds timeout) = 0;
  // The `reason` label of a drop caused by kUnavailable: "spool_full" or "bus_queue_full".
  virtual std::string_view fullReason() const = 0;
};

// Synchronous: put() returns once the entry is in the spool's WAL (see disk_spool.h).
class SpoolOutlet final : public Outlet {
 public:
  SpoolOutlet(DiskSpool& spool, std::string topic) : spool_(spool), topic_(std::move(topic)) {}
  Status put(std::string_view key, std::string_view value, const std::shared_ptr<AckGroup>& ack) override;
  void waitForRoom(int64_t bytes, std::chrono::milliseconds timeout) override;
  bool sync(std::chrono::milliseconds) override { return true; }
  std::string_view fullReason() const override { return "spool_full"; }

 private:
  DiskSpool& spool_;
  std::string topic_;
};

// Asynchronous: put() queues the record in the bus's producer; the bus reports it delivered once
// written (embedded bus: in its WAL, group-committed about every millisecond). A record the bus
// fails is counted in hinomi_collector_publish_failures_total and logged.
class BusOutlet final : public Outlet {
 public:
  BusOutlet(bus::Bus& bus, std::string topic, std::string listener);
  ~BusOutlet() override;  // waits (bounded) for the outcomes of what it put
  Status put(std::string_view key, std::string_view value, const std::shared_ptr<AckGroup>& ack) override;
  void waitForRoom(int64_t bytes, std::chrono::milliseconds timeout) override;
  bool sync(std::chrono::milliseconds timeout) override;
  std::string_view fullReason() const override { return "bus_queue_full"; }

 private:
  struct Failures;
  bus::Bus& bus_;
  std::string topic_;
  std::shared_ptr<Failures> failures_;  // shared with delivery callbacks that may outlive a flush
  int64_t failures_seen_ = 0;           // by sync()
};

}  // namespace hinomi::collector
