// Records of the matches topic: what the match stage writes the windows stage reads back whole,
// ticks reach every partition through the bus's own partitioner, and anything else is refused.
#include <gtest/gtest.h>

#include <set>

#include "common/bus/partitioner.h"
#include "correlator/windows/match_record.h"

namespace hinomi::correlator {
namespace {

TEST(MatchRecordTest, AMatchComesBackWithItsSourceAndTheFieldsTheWindowsUse) {
  MatchRecord m;
  m.tenant = "葛城市";
  m.clock_us = 1795435200123456;
  m.correlation = "5c1e7a2b-93d4-4f60-8b1a-2e7c4d9f0a31";
  m.reference = 1;
  m.source = MatchSource{2, 987654321, 3};
  m.event.id = "ev-1";
  m.event.tenant = "葛城市";
  m.event.ts_us = 1795435200000000;
  m.event.ingest_ts_us = 1795435200100000;
  m.event.raw = "<38>Failed password for root from 198.51.100.7";  // not carried: evidence stays on the events topic
  m.event.fields = {{"source.ip", "198.51.100.7"}, {"user.name", "root"}, {"source.port", 40022}};
  auto back = decodeMatch(encodeMatch(m));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_FALSE(back->tick);
  EXPECT_EQ(back->tenant, m.tenant);
  EXPECT_EQ(back->clock_us, m.clock_us);
  EXPECT_EQ(back->correlation, m.correlation);
  EXPECT_EQ(back->reference, 1);
  EXPECT_EQ(back->source, m.source);
  EXPECT_EQ(back->event.id, "ev-1");
  EXPECT_EQ(back->event.ts_us, m.event.ts_us);
  EXPECT_EQ(back->event.ingest_ts_us, m.event.ingest_ts_us);
  EXPECT_EQ(back->event.fields, m.event.fields);
  EXPECT_TRUE(back->event.raw.empty());
}

TEST(MatchRecordTest, ATickCarriesOnlyItsTenantsClock) {
  MatchRecord t;
  t.tick = true;
  t.tenant = "kawasaki";
  t.clock_us = 42;
  auto back = decodeMatch(encodeMatch(t));
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->tick);
  EXPECT_EQ(back->tenant, "kawasaki");
  EXPECT_EQ(back->clock_us, 42);
}

TEST(MatchRecordTest, TickKeysLandOneInEachPartition) {
  for (int32_t partitions : {1, 3, 12, 64}) {
    auto keys = tickKeys("tomiyama", partitions);
    ASSERT_EQ(keys.size(), size_t(partitions));
    for (int32_t p = 0; p < partitions; ++p) EXPECT_EQ(bus::partitionFor(keys[size_t(p)], partitions), p);
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), keys.size());
  }
  EXPECT_NE(tickKeys("a", 4), tickKeys("b", 4));
}

TEST(MatchRecordTest, TheKeyIsTheWindowsKey) {
  EXPECT_EQ(matchKey("bf", std::string("t1\0198.51.100.7", 15)), std::string("bf\0t1\0198.51.100.7", 18));
}

TEST(MatchRecordTest, WhatIsNotAMatchRecordIsRefused) {
  for (std::string bad : {std::string(""), std::string("{}"), std::string("not json"),
                          std::string(R"({"tenant":"t","clock":1,"correlation":"c","reference":0,"source":[0,1,2]})"),
                          std::string("{\"tenant\":\"t\",\"clock\":1,\"correlation\":\"c\",\"reference\":0,\"source\":[0,1,2]}\n{"),
                          std::string(R"({"tenant":"t","clock":"soon","tick":true})")}) {
    auto r = decodeMatch(bad);
    EXPECT_FALSE(r.has_value()) << bad;
    if (!r) {
      EXPECT_NE(r.error().message.find("not a match record"), std::string::npos) << r.error().message;
    }
  }
}

}  // namespace
}  // namespace hinomi::correlator
