#include "collector/rate_limiter.h"

#include <algorithm>

namespace hinomi::collector {

RateLimiter::RateLimiter(double per_second, double burst, size_t max_sources)
    : per_us_(per_second / 1e6), burst_(std::max(1.0, burst)), max_sources_(std::max<size_t>(1, max_sources)) {}

bool RateLimiter::allow(std::string_view source, int64_t now_us, double messages) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(source));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_sources_) evict(now_us);
    it = buckets_.emplace(std::string(source), Bucket{burst_, now_us}).first;
  }
  Bucket& b = it->second;
  if (now_us > b.updated_us) {
    b.tokens = std::min(burst_, b.tokens + double(now_us - b.updated_us) * per_us_);
    b.updated_us = now_us;
  }
  // A batch larger than the burst passes when the bucket is full and leaves it in debt, so that a
  // big HTTP request is slowed down, not refused for ever.
  if (b.tokens < std::min(messages, burst_)) return false;
  b.tokens -= messages;
  return true;
}

void RateLimiter::evict(int64_t now_us) {
  // Sources whose bucket has refilled lose nothing by being forgotten (a new one starts full).
  std::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& b = entry.second;
    return b.tokens + double(now_us - b.updated_us) * per_us_ >= burst_;
  });
  // All busy (an address scan or spoofed UDP sources): start over rather than grow without bound.
  if (buckets_.size() >= max_sources_) buckets_.clear();
}

size_t RateLimiter::trackedSources() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace hinomi::collector
