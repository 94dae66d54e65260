#pragma once
// The collector role: the configured listeners (sources → pipelines → outlets) feeding the bus:
// directly when it is the embedded bus, through one disk spool and its drainer when it is Kafka.

#include <memory>
#include <vector>

#include "collector/listener_pipeline.h"
#include "collector/sources/http_ingest.h"
#include "collector/outlet.h"
#include "collector/sources/source.h"
#include "collector/spool/disk_spool.h"
#include "collector/spool/spool_drainer.h"
#include "common/bus/bus.h"
#include "common/config/hinomi_config.h"
#include "common/http_server.h"

namespace hinomi::collector {

class Collector {
 public:
  // Opens the spool under data_dir when needed, starts the drainer and every listener. Any listener that
  // cannot start (address in use …) fails the whole start, with the listener named. http listeners
  // add POST /v1/events to `http` (not started yet); without a server they are refused.
  [[nodiscard]] static Result<std::unique_ptr<Collector>> start(const config::HinomiConfig& config, bus::Bus& bus,
                                                                HttpServer* http = nullptr);
  ~Collector();  // stop()

  // Stops the listeners (nothing more is accepted), waits (bounded) for what they handed over to
  // be written, then stops the drainer; what is not yet on the bus stays in the spool.
  void stop();

  // The bound port of a listener by name (0 if unknown): for tests with port 0.
  int port(const std::string& listener) const;

 private:
  Collector() = default;
  std::unique_ptr<DiskSpool> spool_;
  std::unique_ptr<SpoolDrainer> drainer_;
  std::vector<std::unique_ptr<Outlet>> outlets_;  // one per listener, destroyed after its pipeline
  std::vector<std::unique_ptr<ListenerPipeline>> pipelines_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::shared_ptr<HttpIngest> http_ingest_;  // shared with the HTTP server's route
};

}  // namespace hinomi::collector
