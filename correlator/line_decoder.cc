#include "correlator/line_decoder.h"

namespace hinomi::correlator {

void parseAndDecode(std::string_view line, const collector::Parser& parser, const collector::ParseContext& ctx,
                    const DecoderSet& decoders, Event& event) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  event.decoder.clear();  // the parser resets the rest
  parser.parse(line, ctx, event);
  decoders.decode(event);
}

}  // namespace hinomi::correlator
