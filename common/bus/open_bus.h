#pragma once
// Opens the bus the configuration names.

#include <memory>

#include "common/bus/bus.h"
#include "common/config/hinomi_config.h"

namespace hinomi::bus {

[[nodiscard]] Result<std::unique_ptr<Bus>> openBus(const config::BusConfig& config);

}  // namespace hinomi::bus
