#pragma once
// BSD syslog (RFC 3164) as devices really send it: optional PRI (default user.notice), Cisco
// sequence numbers and '*'/'.' clock markers, `Mmm dd hh:mm:ss` with optional year, fraction
// and zone word, ISO stamps (loggen), optional HOSTNAME (told apart from a TAG such as
// `chronyd[1119]:` or `%ASA-4-106023:`), TAG with or without pid and colon. Year-less and
// zone-less stamps are read as local time at ParseContext::local_utc_offset_secs.
// Never malformed: whatever does not fit a header becomes MSG.

#include "collector/parsers/parser.h"

namespace hinomi::collector {

class Rfc3164Parser final : public Parser {
 public:
  std::string_view name() const override { return "rfc3164"; }
  void parse(std::string_view bytes, const ParseContext& ctx, Event& out) const override;
};

}  // namespace hinomi::collector
