#pragma once
// What happens to each message a listener receives: stamp (id, ingest time, listener, tenant),
// parse (total: a bad line becomes a malformed event with its raw bytes), serialise, and append to
// the disk spool — the point from which nothing is lost. When the spool is full a stream listener
// waits (its sender is back-pressured through TCP) and a datagram listener counts a drop.

#include <atomic>
#include <memory>
#include <string>

#include "collector/parsers/parser.h"
#include "collector/sources/source.h"
#include "collector/spool/disk_spool.h"
#include "collector/tenant_resolver.h"
#include "common/config/collector_options.h"
#include "common/time.h"

namespace prometheus {
class Counter;
}

namespace hinomi::collector {

class ListenerPipeline {
 public:
  // `spool` outlives the pipeline. `block_when_full`: wait for spool space instead of dropping.
  // Returns an error for an unknown format or utc_offset (the config loader refuses both first).
  [[nodiscard]] static Result<std::unique_ptr<ListenerPipeline>> create(
      const config::ListenerOptions& options, std::string topic, DiskSpool& spool,
      bool block_when_full, const Clock& clock = SystemClock::instance());

  // The MessageSink of the listener's Source; runs on the source's thread.
  void onMessage(const ReceivedMessage& message);
  MessageSink sink() {
    return [this](const ReceivedMessage& m) { onMessage(m); };
  }
  // Ends a wait for spool space (shutdown): the message waiting is counted as a spool_full drop.
  void stop() { stopping_.store(true); }

  ListenerPipeline(const config::ListenerOptions& options, std::string topic, DiskSpool& spool,
                   bool block_when_full, std::unique_ptr<Parser> parser, int32_t utc_offset_secs,
                   const Clock& clock);

 private:
  std::string name_;
  std::string topic_;
  DiskSpool& spool_;
  bool block_when_full_;
  std::unique_ptr<Parser> parser_;
  TenantResolver tenants_;
  int32_t utc_offset_secs_;
  const Clock& clock_;
  std::string key_;  // reused per message
  std::atomic<bool> stopping_{false};
  int64_t last_error_log_us_ = 0;  // spool errors are logged at most once a second
  prometheus::Counter* malformed_ = nullptr;
  prometheus::Counter* spool_full_drops_ = nullptr;
  prometheus::Counter* spool_errors_ = nullptr;
  prometheus::Counter* backpressure_seconds_ = nullptr;
};

}  // namespace hinomi::collector
