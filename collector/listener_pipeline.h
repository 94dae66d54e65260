#pragma once
// What happens to each message a listener receives: stamp (id, ingest time, listener, tenant),
// parse (total: a bad line becomes a malformed event with its raw bytes), serialise, and hand it to
// the outlet (outlet.h: the embedded bus, or the disk spool in front of Kafka). When the outlet is
// full a stream listener waits (its sender is back-pressured through TCP) and a datagram listener
// counts a drop.

#include <atomic>
#include <memory>
#include <string>

#include "collector/parsers/parser.h"
#include "collector/rate_limiter.h"
#include "collector/sources/source.h"
#include "collector/outlet.h"
#include "collector/tenant_resolver.h"
#include "common/config/collector_options.h"
#include "common/time.h"

namespace prometheus {
class Counter;
}

namespace hinomi::collector {

class ListenerPipeline {
 public:
  // `outlet` outlives the pipeline. `block_when_full`: wait for room instead of dropping.
  // Returns an error for an unknown format or utc_offset (the config loader refuses both first).
  [[nodiscard]] static Result<std::unique_ptr<ListenerPipeline>> create(
      const config::ListenerOptions& options, Outlet& outlet, bool block_when_full,
      const Clock& clock = SystemClock::instance());

  // The MessageSink of the listener's Source; runs on the source's thread (one at a time).
  void onMessage(const ReceivedMessage& message);
  MessageSink sink() {
    return [this](const ReceivedMessage& m) { onMessage(m); };
  }
  // For a caller that answers its sender (HTTP): never waits for room. kUnavailable when the
  // outlet is full (nothing taken); `ack` learns when the event is durable. Thread-safe.
  // Does not apply the rate limit: the caller asks allowRate() for the whole request first.
  [[nodiscard]] Status submit(const ReceivedMessage& message, const std::shared_ptr<AckGroup>& ack);
  // The listener's per-source rate limit for `messages` from `peer`: false (and counted as
  // rate_limit drops) when it has not that many left. Always true without a limit.
  bool allowRate(std::string_view peer, int64_t now_us, size_t messages = 1);
  // True once everything handed over so far is durable (file tail, before saving its position);
  // false when a message was lost since the last call (dropped at shutdown, a disk error), so a
  // file tail keeps its older position and re-reads rather than skips. One caller at a time.
  bool sync(std::chrono::milliseconds timeout);
  // Ends a wait for room (shutdown): the message waiting is counted as a drop.
  void stop() { stopping_.store(true); }

  ListenerPipeline(const config::ListenerOptions& options, Outlet& outlet, bool block_when_full,
                   std::unique_ptr<Parser> parser, int32_t utc_offset_secs, const Clock& clock);

 private:
  // Parses and serialises into json (the event's key is returned).
  std::string encode(const ReceivedMessage& m, std::string& json);
  void countFailure(const Error& error);

  std::string name_;
  Outlet& outlet_;
  bool block_when_full_;
  std::unique_ptr<Parser> parser_;
  std::unique_ptr<RateLimiter> rate_limiter_;  // null without a limit
  TenantResolver tenants_;
  int32_t utc_offset_secs_;
  const Clock& clock_;
  std::string json_;  // reused per message by onMessage
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> lost_{0};  // messages dropped or failed, for sync()
  int64_t lost_seen_ = 0;
  std::atomic<int64_t> last_error_log_us_{0};  // outlet errors are logged at most once a second
  prometheus::Counter* malformed_ = nullptr;
  prometheus::Counter* full_drops_ = nullptr;
  prometheus::Counter* rate_limit_drops_ = nullptr;
  prometheus::Counter* outlet_errors_ = nullptr;
  prometheus::Counter* backpressure_seconds_ = nullptr;
};

}  // namespace hinomi::collector
