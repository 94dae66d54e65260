#pragma once
// Options of the two bus implementations; config/ fills them from the `bus:` section.

#include <cstdint>
#include <map>
#include <string>

namespace hinomi::bus {

// When the embedded bus fsyncs its write-ahead log. Every publish reported delivered is in the
// WAL in the OS page cache already, so it survives kill -9 of hinomi under every policy; fsync
// adds survival of a power loss or kernel crash.
enum class FsyncPolicy { kNever, kInterval, kAlways };

struct EmbeddedBusOptions {
  std::string path;                  // RocksDB directory
  int32_t default_partitions = 4;    // for topics created by publish/subscribe without ensureTopic
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  int64_t fsync_interval_ms = 1000;  // with kInterval
  int64_t max_queued_records = 100000;  // publish fails with kUnavailable beyond this backlog
  int64_t retention_secs = 7 * 24 * 3600;  // records older than this may be deleted (0: keep)
};

struct KafkaBusOptions {
  // Passed to librdkafka as they are (bootstrap.servers, security.protocol, sasl.*, ssl.* …).
  std::map<std::string, std::string> librdkafka;
  int64_t flush_timeout_ms = 30000;
};

}  // namespace hinomi::bus
