#pragma once
// Appending JSON text by hand, for the hot path (every event is serialised once per hop).
// Output is byte-for-byte what nlohmann::json::dump(-1, ' ', false, replace) writes, so the wire
// format does not depend on which writer produced it; nlohmann does the rare cases (invalid
// UTF-8 text, floating-point numbers, nested values).

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hinomi::json {

// Appends `s` as a JSON string literal. Returns false, leaving `out` as it was, when `s` is not
// valid UTF-8.
bool appendString(std::string& out, std::string_view s);

// Appends `s` as a JSON string literal, each invalid UTF-8 sequence replaced by U+FFFD.
void appendText(std::string& out, std::string_view s);

// Appends any JSON value (strings as appendText does).
void appendValue(std::string& out, const nlohmann::json& v);

}  // namespace hinomi::json
