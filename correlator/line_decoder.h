#pragma once
// One log line → one decoded Event: the collector's parser ("auto") then the decoders. Shared by
// `hinomi decode` and `hinomi replay` so both see a line the same way.

#include <string_view>

#include "collector/parsers/parser.h"
#include "common/event.h"
#include "correlator/decoders/decoder_set.h"

namespace hinomi::correlator {

// Strips one trailing '\r' (CRLF files: Windows, loghub), parses with `parser` into `event` and
// runs the decoders. The caller sets id, ingest_ts_us, tenant and listener. `event` may be the
// previous line's: everything else is reset, and reusing it saves its fields' allocations.
void parseAndDecode(std::string_view line, const collector::Parser& parser, const collector::ParseContext& ctx,
                    const DecoderSet& decoders, Event& event);

}  // namespace hinomi::correlator
