#pragma once
// key=value messages (FortiGate and similar): `date=2026-11-23 time=12:00:00 devname="FG" …`,
// bare or behind a syslog header. Values may be double-quoted with `\"` `\\` escapes. Keys are
// kept as `kv.<key>`; common ones also map to ECS names; FortiGate date+time+tz give the time.

#include "collector/parsers/parser.h"

namespace hinomi::collector {

class KvParser final : public Parser {
 public:
  std::string_view name() const override { return "kv"; }
  void parse(std::string_view bytes, const ParseContext& ctx, Event& out) const override;
};

// Splits `body` into pairs and writes kv.* and mapped fields; returns the number of pairs.
size_t parseKvPairs(std::string_view body, const ParseContext& ctx, Event& out);

}  // namespace hinomi::collector
