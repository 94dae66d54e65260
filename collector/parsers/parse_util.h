#pragma once
// Small scanning helpers shared by the parsers: PRI, civil time, field writes. Hand-written (no
// regex) because they run once per message on the collector's hot path.

#include <cstdint>
#include <string_view>

#include "collector/parsers/parser.h"
#include "common/event.h"

namespace hinomi::collector::parse {

// Clears what a parser fills and keeps `bytes` as raw evidence (caller's fields untouched).
void resetEvent(std::string_view bytes, Event& out);

// `<N>` at the start, 1–3 digits (leading zeros tolerated), 0..191. Returns the bytes taken
// (0 when there is no valid PRI) and the value in `pri`; `out_of_range` tells a `<192>`-style
// PRI apart from no PRI.
size_t parsePri(std::string_view s, int& pri, bool* out_of_range = nullptr);
void setPri(Event& out, int pri);

// Strips trailing CR / LF / NUL (CRLF senders, LF-terminated datagrams).
std::string_view trimLineEnd(std::string_view s);

// Digits only, at most 18 of them; false otherwise.
bool parseUint(std::string_view s, int64_t& out);

// A calendar time read from text, before the zone is known.
struct CivilTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t micros = 0;
};
bool validCivil(const CivilTime& t);
int64_t civilToMicros(const CivilTime& t, int64_t offset_secs);

// "YYYY-MM-DD[T ]hh:mm:ss[.fff…]" at s[0..]; returns bytes taken or 0. No zone.
size_t parseIsoLocal(std::string_view s, CivilTime& t);
// "Mmm" case-insensitive → 1..12, or 0.
int monthFromName(std::string_view s);
// Year for a year-less time: the one that puts it closest to `ref_us` (Dec lines read in Jan
// belong to the previous year).
int inferYear(const CivilTime& t, int64_t offset_secs, int64_t ref_us);

// Sets fields[key] only when the value is non-empty; numbers when numeric.
void putString(Event& out, std::string_view key, std::string_view value);
void putNumberOrString(Event& out, std::string_view key, std::string_view value);

}  // namespace hinomi::collector::parse
