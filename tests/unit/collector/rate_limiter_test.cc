#include "collector/rate_limiter.h"

#include <gtest/gtest.h>

namespace hinomi::collector {
namespace {

TEST(RateLimiterTest, BurstThenSteadyRatePerSource) {
  RateLimiter limiter(/*per_second=*/10, /*burst=*/5);
  int64_t t = 1'000'000;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.allow("192.0.2.1", t)) << i;
  EXPECT_FALSE(limiter.allow("192.0.2.1", t));
  // Another source has its own bucket.
  EXPECT_TRUE(limiter.allow("192.0.2.2", t));
  // 10/s: one token every 100 ms.
  EXPECT_FALSE(limiter.allow("192.0.2.1", t + 99'000));
  EXPECT_TRUE(limiter.allow("192.0.2.1", t + 100'000));
  EXPECT_FALSE(limiter.allow("192.0.2.1", t + 100'000));
  // A long pause refills to the burst, not beyond.
  t += 3'600'000'000;
  int allowed = 0;
  for (int i = 0; i < 20; ++i) allowed += limiter.allow("192.0.2.1", t);
  EXPECT_EQ(allowed, 5);
}

TEST(RateLimiterTest, BatchesTakeAllOrNothingAndABigOneLeavesDebt) {
  RateLimiter limiter(/*per_second=*/100, /*burst=*/100);
  EXPECT_TRUE(limiter.allow("api", 0, 60));
  EXPECT_FALSE(limiter.allow("api", 0, 60)) << "40 left";
  EXPECT_TRUE(limiter.allow("api", 0, 40));
  // 1000 at once: only with a full bucket, and then it takes 10 s to pay back.
  EXPECT_FALSE(limiter.allow("api", 500'000, 1000));
  EXPECT_TRUE(limiter.allow("api", 1'000'000, 1000));
  EXPECT_FALSE(limiter.allow("api", 9'000'000, 1));
  EXPECT_TRUE(limiter.allow("api", 10'010'000, 1));
}

TEST(RateLimiterTest, ClockGoingBackDoesNotMintTokens) {
  RateLimiter limiter(1, 1);
  EXPECT_TRUE(limiter.allow("a", 5'000'000));
  EXPECT_FALSE(limiter.allow("a", 1'000'000));
  EXPECT_FALSE(limiter.allow("a", 5'500'000));
  EXPECT_TRUE(limiter.allow("a", 6'000'000));
}

TEST(RateLimiterTest, TrackedSourcesAreBounded) {
  RateLimiter limiter(1, 1, /*max_sources=*/100);
  for (int i = 0; i < 10000; ++i) limiter.allow("198.51.100." + std::to_string(i), 1'000'000);
  EXPECT_LE(limiter.trackedSources(), 100u);
  // Idle sources (refilled buckets) are forgotten before busy ones.
  RateLimiter two(/*per_second=*/1000, /*burst=*/1, /*max_sources=*/2);
  EXPECT_TRUE(two.allow("idle", 0));
  EXPECT_TRUE(two.allow("busy", 900));
  EXPECT_TRUE(two.allow("new", 1000));  // "idle" has refilled by now and goes; "busy" stays
  EXPECT_EQ(two.trackedSources(), 2u);
  EXPECT_FALSE(two.allow("busy", 1000)) << "a forgotten source would have started with a full bucket";
}

}  // namespace
}  // namespace hinomi::collector
