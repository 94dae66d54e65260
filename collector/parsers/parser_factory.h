#pragma once
// Builds a parser by its configured format name.

#include <memory>
#include <string_view>

#include "collector/parsers/parser.h"

namespace hinomi::collector {

// "rfc5424", "rfc3164", "cef", "kv", "json" or "auto"; nullptr for any other name.
std::unique_ptr<Parser> makeParser(std::string_view name);

}  // namespace hinomi::collector
