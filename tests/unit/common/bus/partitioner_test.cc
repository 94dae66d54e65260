#include "common/bus/partitioner.h"

#include <gtest/gtest.h>

namespace hinomi::bus {
namespace {

// Vectors from Kafka's own UtilsTest.testMurmur2, so keys land where Java clients put them.
TEST(PartitionerTest, Murmur2MatchesKafka) {
  EXPECT_EQ(int32_t(murmur2("21")), -973932308);
  EXPECT_EQ(int32_t(murmur2("foobar")), -790332482);
  EXPECT_EQ(int32_t(murmur2("a-little-bit-long-string")), -985981536);
  EXPECT_EQ(int32_t(murmur2("a-little-bit-longer-string")), -1486304829);
  EXPECT_EQ(int32_t(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")), -58897971);
  EXPECT_EQ(int32_t(murmur2(std::string("abc", 3))), 479470107);
}

TEST(PartitionerTest, SameKeySamePartitionInRange) {
  for (int n : {1, 2, 3, 12}) {
    for (int i = 0; i < 200; ++i) {
      std::string key = "tenant-" + std::to_string(i) + "|host";
      int32_t p = partitionFor(key, n);
      EXPECT_GE(p, 0);
      EXPECT_LT(p, n);
      EXPECT_EQ(p, partitionFor(key, n));
    }
  }
}

}  // namespace
}  // namespace hinomi::bus
