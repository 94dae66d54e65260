#pragma once
// A Parser turns the bytes of one message (a datagram, or one frame of a stream) into the
// normalised Event. Parsers are total: whatever the bytes, the result is an event; input that
// does not fit the format becomes parse_status "malformed:<reason>" with raw kept, never a crash
// and never a lost line. Parsers are immutable after construction and safe to share across threads.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/event.h"

namespace hinomi::collector {

struct ParseContext {
  int64_t ingest_ts_us = 0;   // when the bytes arrived; event time when the message has none
  std::string peer;           // sender address ("192.0.2.10"); host when the message names none
  // Offset of local time for timestamps without a zone (RFC 3164, Cisco), seconds east of UTC.
  // Japan: +9 h. Configured per listener.
  int32_t local_utc_offset_secs = 9 * 3600;
};

class Parser {
 public:
  virtual ~Parser() = default;
  virtual std::string_view name() const = 0;  // "rfc5424", "rfc3164", "cef", "kv", "json", "auto"
  // Fills ts_us, host, app, facility, severity, message, raw, parse_status and fields of `out`;
  // leaves id, ingest_ts_us, tenant and listener (the caller's) alone.
  virtual void parse(std::string_view bytes, const ParseContext& ctx, Event& out) const = 0;
};

}  // namespace hinomi::collector
