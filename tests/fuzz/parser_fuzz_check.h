#pragma once
// The property every parser fuzz target checks: any bytes → no crash or throw, raw kept exactly,
// a status that is "ok" or "malformed:<reason>", facility/severity in range, and an event that
// serialises.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collector/parsers/parser_factory.h"

inline int fuzzParser(const hinomi::collector::Parser& parser, const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  hinomi::collector::ParseContext ctx;
  ctx.ingest_ts_us = 1743476400000000;  // 2025-04-01T03:00:00Z
  ctx.peer = "192.0.2.1";
  hinomi::Event event;
  parser.parse(bytes, ctx, event);
  if (event.raw != bytes) std::abort();
  if (event.parse_status != "ok" && !(event.malformed() && event.parse_status.size() > 10)) std::abort();
  if (event.facility < -1 || event.facility > 23 || event.severity < -1 || event.severity > 7) std::abort();
  (void)hinomi::toJson(event);
  return 0;
}
