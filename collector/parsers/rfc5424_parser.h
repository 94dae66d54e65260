#pragma once
// RFC 5424 syslog: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG].
// Lenient where real senders are (leading-zero PRI, 9-digit fractions kept to the µs, unquoted
// SD values from VMware); strict where the line would be misread (PRI > 191, version 0, bad
// dates, lowercase T/Z, over-long header fields, unescaped ']' in SD).

#include "collector/parsers/parser.h"

namespace hinomi::collector {

class Rfc5424Parser final : public Parser {
 public:
  std::string_view name() const override { return "rfc5424"; }
  void parse(std::string_view bytes, const ParseContext& ctx, Event& out) const override;
};

}  // namespace hinomi::collector
