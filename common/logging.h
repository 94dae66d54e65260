#pragma once
// One spdlog logger per component (style.md): messages are a short sentence plus key=value fields.

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace hinomi::logging {

// The logger named `component` ("bus", "collector", …), created on first use; writes to stderr.
std::shared_ptr<spdlog::logger> get(const std::string& component);

// Sets the level of every logger, existing and future ("trace" … "off"); false if unknown.
bool setLevel(const std::string& level);

}  // namespace hinomi::logging
