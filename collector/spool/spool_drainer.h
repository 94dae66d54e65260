#pragma once
// SpoolDrainer: one thread that publishes a DiskSpool's entries to a Bus in sequence order and
// removes each only once the bus reports it delivered.
//
// Guarantee (at-least-once, ordered):
//  1. An entry leaves the spool only as delivered (kDelivered) or, when the bus rejects it
//     (kRejected), moved to the spool's dead letters with the bus's error: never dropped.
//  2. Entries are released strictly as a prefix of the sequence: entry n goes only after every
//     entry before it went.
//  3. On any kRetry the drainer waits until all it has in flight has an outcome, backs off
//     (min_backoff doubling to max_backoff) and re-sends everything from the oldest unreleased
//     entry, in order, including entries after it that were already delivered.
//  4. So the bus may hold duplicates (consumers dedupe by event id), and for every topic
//     partition the spool's order of its entries is a subsequence of the partition's log: the
//     last copies are in spool order. A consumer keeping the *first* copy of a duplicate can
//     see an entry ahead of an earlier one only when the bus delivered a later record after
//     failing an earlier one of the same partition (librdkafka's idempotent producer avoids
//     this; the embedded bus never does it).
//  5. A publish() error (bus queue full, bus closed) sent nothing: the same entry is tried again
//     after the backoff. A crash (or a release lost with it) only re-sends.

#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

#include "collector/spool/disk_spool.h"
#include "common/bus/bus.h"

namespace hinomi::collector {

struct DrainerOptions {
  size_t max_in_flight = 4096;  // entries published and waiting for their outcome
  size_t read_batch = 512;
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // stop() waits this long for outcomes of what is in flight, to release it.
  std::chrono::milliseconds stop_timeout{2000};
};

class SpoolDrainer {
 public:
  // `spool` and `bus` outlive the drainer. Delivery callbacks that arrive after the drainer is
  // gone are ignored safely (their entries are re-sent by the next drainer).
  SpoolDrainer(DiskSpool& spool, bus::Bus& bus, DrainerOptions options = {});
  ~SpoolDrainer();  // stop()
  SpoolDrainer(const SpoolDrainer&) = delete;
  SpoolDrainer& operator=(const SpoolDrainer&) = delete;

  void start();
  // Stops sending, waits up to stop_timeout for outcomes of what is in flight and releases the
  // delivered prefix; the rest stays in the spool.
  void stop();

  // How many times the drainer went back to the oldest unreleased entry (for tests).
  int64_t rewinds() const;

 private:
  struct Shared;
  void run();

  DiskSpool& spool_;
  bus::Bus& bus_;
  DrainerOptions options_;
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace hinomi::collector
