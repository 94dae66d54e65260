#include "correlator/rules/correlation_rule.h"

#include <charconv>

namespace hinomi::rules {

const char* correlationTypeName(CorrelationType t) {
  switch (t) {
    case CorrelationType::kEventCount: return "event_count";
    case CorrelationType::kValueCount: return "value_count";
    case CorrelationType::kTemporal: return "temporal";
    case CorrelationType::kTemporalOrdered: return "temporal_ordered";
    case CorrelationType::kAbsence: return "absence";
  }
  return "?";
}

bool CountCondition::holds(uint64_t n) const {
  return (!gt || n > *gt) && (!gte || n >= *gte) && (!lt || n < *lt) && (!lte || n <= *lte) && (!eq || n == *eq);
}

std::optional<int64_t> parseTimespan(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return std::nullopt;
  }
  int64_t n = 0;
  const char* end = text.data() + text.size() - 1;
  auto [p, ec] = std::from_chars(text.data(), end, n);
  // Up to ~100 years: the product stays far from int64 overflow in microseconds.
  if (ec != std::errc() || p != end || n <= 0 || n > int64_t{3153600000} / unit) return std::nullopt;
  return n * unit * 1000000;
}

}  // namespace hinomi::rules
