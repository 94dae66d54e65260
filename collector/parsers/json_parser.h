#pragma once
// One JSON object per message (NXLog, Winlogbeat, Suricata EVE), bare or behind a syslog header.
// Nested objects flatten to dotted keys, arrays of scalars stay arrays, deeper arrays become JSON
// text. Well-known keys give ts, host, app and message. Anything but an object is malformed.

#include "collector/parsers/parser.h"

namespace hinomi::collector {

class JsonParser final : public Parser {
 public:
  std::string_view name() const override { return "json"; }
  void parse(std::string_view bytes, const ParseContext& ctx, Event& out) const override;
};

}  // namespace hinomi::collector
