#pragma once
// The collector role: the configured listeners (sources → pipelines) feeding one disk spool, and
// the drainer that moves the spool onto the bus.

#include <memory>
#include <vector>

#include "collector/listener_pipeline.h"
#include "collector/sources/source.h"
#include "collector/spool/disk_spool.h"
#include "collector/spool/spool_drainer.h"
#include "common/bus/bus.h"
#include "common/config/hinomi_config.h"

namespace hinomi::collector {

class Collector {
 public:
  // Opens the spool under data_dir, starts the drainer and every listener. Any listener that
  // cannot start (address in use …) fails the whole start, with the listener named.
  [[nodiscard]] static Result<std::unique_ptr<Collector>> start(const config::HinomiConfig& config, bus::Bus& bus);
  ~Collector();  // stop()

  // Stops the listeners (nothing more is accepted), then the drainer; what is not yet on the bus
  // stays in the spool for the next start.
  void stop();

  // The bound port of a listener by name (0 if unknown): for tests with port 0.
  int port(const std::string& listener) const;

 private:
  Collector() = default;
  std::unique_ptr<DiskSpool> spool_;
  std::unique_ptr<SpoolDrainer> drainer_;
  std::vector<std::unique_ptr<ListenerPipeline>> pipelines_;
  std::vector<std::unique_ptr<Source>> sources_;
};

}  // namespace hinomi::collector
