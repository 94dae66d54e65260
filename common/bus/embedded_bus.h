#pragma once
// EmbeddedBus: the single-machine bus, an append-only log in RocksDB with partitions and per-group
// committed offsets. Publishers are group-committed by one writer thread; a record is reported
// delivered only once it is in the RocksDB WAL, so it survives kill -9 under every FsyncPolicy
// (embedded_log.h spells out what survives a power loss).

#include <memory>
#include <string>

#include "common/bus/bus.h"
#include "common/bus/bus_options.h"
#include "common/time.h"

namespace hinomi::bus {

namespace embedded {
class Log;
}

class EmbeddedBus final : public Bus {
 public:
  // Opens (or creates) the log at options.path. Fails with a clear error when another process
  // holds it.
  [[nodiscard]] static Result<std::unique_ptr<Bus>> open(const EmbeddedBusOptions& options);
  // The same with an injected clock (record timestamps and retention); `clock` outlives the bus.
  [[nodiscard]] static Result<std::unique_ptr<EmbeddedBus>> open(const EmbeddedBusOptions& options,
                                                                 const Clock& clock);

  // Stops accepting, writes what is queued (callbacks run), closes RocksDB. Consumers still open
  // fail their calls from then on.
  ~EmbeddedBus() override;

  std::string_view kind() const override { return "embedded"; }
  [[nodiscard]] Status ensureTopic(const std::string& topic, int partitions) override;
  [[nodiscard]] Result<int> partitionCount(const std::string& topic) override;
  [[nodiscard]] Status publish(const std::string& topic, std::string_view key,
                               std::string_view value, DeliveryCallback cb) override;
  [[nodiscard]] Status flush(std::chrono::milliseconds timeout) override;
  [[nodiscard]] Result<std::unique_ptr<Consumer>> subscribe(const std::string& topic,
                                                            const std::string& group) override;

  // Deletes the records older than retention_secs now instead of at the next periodic check;
  // returns how many.
  [[nodiscard]] Result<int64_t> applyRetention();

 private:
  explicit EmbeddedBus(std::shared_ptr<embedded::Log> log);
  std::shared_ptr<embedded::Log> log_;
};

}  // namespace hinomi::bus
