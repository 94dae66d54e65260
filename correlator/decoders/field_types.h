#pragma once
// Typed decoder fields: ip addresses normalised, integers as numbers, timestamps as RFC 3339 UTC.
// A value that does not fit its type stays text and is flagged, never dropped.

#include <optional>
#include <string>
#include <string_view>

#include "common/fields.h"

namespace hinomi::correlator {

enum class FieldType { kString, kIp, kInt, kTimestamp };

// "string", "ip", "int", "timestamp"; nullopt for any other name.
std::optional<FieldType> fieldTypeFromName(std::string_view name);

// IPv4 dotted quad; IPv6 compressed lowercase (RFC 5952); IPv4-mapped IPv6 (::ffff:a.b.c.d) as
// the IPv4 address; [brackets] removed, a %zone kept. nullopt when the text is not an address.
std::optional<std::string> normalizeIp(std::string_view text);
// True when `text` is an IPv4 dotted quad exactly as normalizeIp writes it (no leading zeros):
// most addresses in logs, checked without a parse and a copy.
bool isNormalIpv4(std::string_view text);

// RFC 3339 / ISO 8601 (±hh:mm or ±hhmm) or epoch digits (s, ms, µs or ns by magnitude) → RFC 3339
// UTC with microseconds. nullopt when neither.
std::optional<std::string> normalizeTimestamp(std::string_view text);

// `value` converted to `type`; nullopt when it does not fit (the caller keeps the text and flags it).
std::optional<FieldValue> convertField(const FieldValue& value, FieldType type);
// Converts `value` in place; false (leaving it as it was) when it does not fit. A value already of
// its type (a string, an integer, a normal IPv4 address) is left alone without a copy: the decoders
// call this for every typed field of every event.
bool convertInPlace(FieldValue& value, FieldType type);

}  // namespace hinomi::correlator
