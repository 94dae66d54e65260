#pragma once
// One JSON object per message (NXLog, Winlogbeat, Suricata EVE), bare or behind a syslog header.
// Nested objects flatten to dotted keys, arrays of scalars stay arrays, deeper arrays become JSON
// text. Well-known keys give ts, host, app and message. Anything but an object is malformed.

#include "collector/parsers/parser.h"

namespace hinomi::collector {

// Flattens the JSON object `text` into `fields` as described above; false when `text` is not
// JSON or not an object (`why` says which). simdjson reads it, ~5x faster than nlohmann; what
// simdjson refuses, and strings with raw control bytes (which it lets through and JSON does not),
// go to nlohmann, which read every line before and still decides those. Both give the same
// fields: nlohmann's objects are sorted maps where the last of equal keys wins, and so is this.
// `reference` forces the nlohmann reading (the differential test compares the two).
bool flattenJsonObject(std::string_view text, Fields& fields, const char*& why, bool reference = false);

class JsonParser final : public Parser {
 public:
  std::string_view name() const override { return "json"; }
  void parse(std::string_view bytes, const ParseContext& ctx, Event& out) const override;
};

}  // namespace hinomi::collector
