#include "collector/parsers/envelope.h"

#include "collector/parsers/parse_util.h"
#include "collector/parsers/rfc3164_parser.h"
#include "collector/parsers/rfc5424_parser.h"

namespace hinomi::collector {

bool looksLikeRfc5424(std::string_view bytes) {
  int pri;
  size_t n = parse::parsePri(bytes, pri);
  return n > 0 && bytes.size() > n + 1 && bytes[n] == '1' && bytes[n + 1] == ' ';
}

void parseEnvelope(std::string_view bytes, const ParseContext& ctx, Event& out) {
  if (looksLikeRfc5424(bytes)) {
    Rfc5424Parser().parse(bytes, ctx, out);
    if (!out.malformed()) return;
  }
  Rfc3164Parser().parse(bytes, ctx, out);
}

}  // namespace hinomi::collector
