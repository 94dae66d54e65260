#pragma once
// The syslog header in front of a structured body (CEF, key=value, JSON): RFC 5424 when the line
// starts `<N>1 `, else RFC 3164 (which also covers a bare `<N>` and no header at all). Fills PRI,
// ts, host and app of `out`; the body is left in out.message.

#include "collector/parsers/parser.h"

namespace hinomi::collector {

bool looksLikeRfc5424(std::string_view bytes);
void parseEnvelope(std::string_view bytes, const ParseContext& ctx, Event& out);

}  // namespace hinomi::collector
