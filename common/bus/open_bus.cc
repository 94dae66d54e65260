#include "common/bus/open_bus.h"

#include "common/bus/embedded_bus.h"
#include "common/bus/kafka_bus.h"

namespace hinomi::bus {

Result<std::unique_ptr<Bus>> openBus(const config::BusConfig& config) {
  if (config.type == config::BusType::kKafka) return KafkaBus::open(config.kafka);
  return EmbeddedBus::open(config.embedded);
}

}  // namespace hinomi::bus
