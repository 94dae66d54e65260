#pragma once
// Time as int64 microseconds since the Unix epoch (UTC), its RFC 3339 form, and an injectable clock.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hinomi {

// "2026-11-23T03:12:12.123456Z": always UTC, always six fraction digits, so strings sort by time.
std::string formatRfc3339(int64_t micros);
// The same into `buf` (at least kRfc3339Max bytes, not NUL-terminated); returns the length.
inline constexpr size_t kRfc3339Max = 40;
size_t formatRfc3339(int64_t micros, char* buf);

// Accepts RFC 3339 (and its ISO 8601 profile): 'T' or ' ', 0–9 fraction digits (kept to the
// microsecond), 'Z' or ±hh:mm / ±hhmm. Returns microseconds since the epoch, UTC.
[[nodiscard]] Result<int64_t> parseRfc3339(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date (no time zone database needed).
int64_t daysFromCivil(int64_t year, unsigned month, unsigned day);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t nowMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t nowMicros() const override;
  static const SystemClock& instance();
};

}  // namespace hinomi
