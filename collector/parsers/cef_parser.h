#pragma once
// ArcSight CEF: `CEF:Version|Vendor|Product|DevVersion|SignatureID|Name|Severity|Extension`, bare
// or behind a syslog header. Header escapes `\|` `\\`; extension `key=value` pairs where a value
// may hold spaces and runs to the next ` key=`, with `\=` `\\` `\n` `\r` escapes. Every key is
// kept as `cef.<key>`; the common ones are also mapped to ECS names.

#include "collector/parsers/parser.h"

namespace hinomi::collector {

class CefParser final : public Parser {
 public:
  std::string_view name() const override { return "cef"; }
  void parse(std::string_view bytes, const ParseContext& ctx, Event& out) const override;
};

}  // namespace hinomi::collector
