#pragma once
// The normalised event: what collectors publish on hinomi.events and the correlator reads.
// Its JSON form (one object per line) is the wire format; docs/event.md describes every field.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/fields.h"
#include "common/result.h"

namespace hinomi {

struct Event {
  std::string id;             // unique (UUIDv7: time-ordered, 122 random-ish bits)
  int64_t ts_us = 0;          // event time (from the message when it has one), µs since epoch UTC
  int64_t ingest_ts_us = 0;   // when hinomi received it
  std::string tenant;         // organisation the event belongs to
  std::string listener;       // name of the configured source that received it
  std::string host;           // sending device as the message names it (or the peer address)
  std::string app;            // program / APP-NAME / product
  int facility = -1;          // syslog facility 0–23, -1 when unknown
  int severity = -1;          // syslog severity 0–7, -1 when unknown
  std::string message;        // the human-readable part
  std::string raw;            // the bytes exactly as received (evidence); may be any bytes
  std::string parse_status = "ok";  // "ok" or "malformed:<reason>"
  std::string decoder;        // set by the correlator's decoder that matched
  Fields fields;              // ECS-style dotted names → scalar values (common/fields.h)

  bool malformed() const { return parse_status.rfind("malformed:", 0) == 0; }
  void markMalformed(std::string_view reason) { parse_status = "malformed:" + std::string(reason); }
  bool operator==(const Event&) const = default;
};

// A new time-ordered unique id (RFC 9562 UUIDv7) for `now_us`.
std::string newEventId(int64_t now_us);

// One line of JSON, keys in a fixed order. `raw` is a JSON string when it is valid UTF-8, else
// base64 with "raw_encoding":"base64", so any bytes survive the round trip. Other text fields
// with invalid UTF-8 get U+FFFD (they are views; `raw` is the evidence).
std::string toJson(const Event& event);
// The same, appended to `out` (so a caller can reuse one buffer).
void appendJson(const Event& event, std::string& out);

// Parses toJson's output (and hand-written events: missing optional keys take their defaults).
[[nodiscard]] Result<Event> eventFromJson(std::string_view json);

}  // namespace hinomi
