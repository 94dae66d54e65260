#pragma once
// Shared helpers for the parser tests: a fixed context and a parse-by-name shortcut.

#include <fstream>
#include <iterator>
#include <string>

#include "collector/parsers/parser_factory.h"
#include "common/time.h"

namespace hinomi::collector::testing {

// 2025-04-01T12:00:00+09:00, JST listener, no peer (so "no host" reads as an empty host).
inline ParseContext fixedContext() {
  ParseContext ctx;
  ctx.ingest_ts_us = *parseRfc3339("2025-04-01T03:00:00Z");
  ctx.local_utc_offset_secs = 9 * 3600;
  return ctx;
}

inline Event parseWith(std::string_view parser, std::string_view line,
                       const ParseContext& ctx = fixedContext()) {
  auto p = makeParser(parser);
  Event e;
  e.ingest_ts_us = ctx.ingest_ts_us;
  if (p) p->parse(line, ctx, e);
  return e;
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::string goldenDir() { return std::string(HINOMI_SOURCE_DIR) + "/tests/golden/parsers/"; }

}  // namespace hinomi::collector::testing
