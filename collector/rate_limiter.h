#pragma once
// Per-source rate limit of a listener: a token bucket per sender address, so one flooding device
// (a looping firewall, a misconfigured debug level) cannot crowd out the others. Messages over
// the limit are dropped and counted (dropped_total{reason="rate_limit"}); HTTP answers 429.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hinomi::collector {

class RateLimiter {
 public:
  // `per_second` messages a second on average, bursts of up to `burst`, per source. At most
  // `max_sources` are tracked; beyond that idle ones (full buckets) are forgotten first.
  RateLimiter(double per_second, double burst, size_t max_sources = 65536);

  // Takes `messages` tokens for `source` at `now_us`; false (taking none) when it has not that
  // many (a batch over the burst needs a full bucket, and leaves it in debt). Thread-safe.
  bool allow(std::string_view source, int64_t now_us, double messages = 1);

  size_t trackedSources() const;

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated_us = 0;
  };
  void evict(int64_t now_us);

  const double per_us_;
  const double burst_;
  const size_t max_sources_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace hinomi::collector
