#pragma once
// The records on the matches topic between the two stages of the correlator (docs/correlator.md):
// the match stage (stateless, on the events topic) publishes one record per use of a correlation
// an event's rules feed, keyed by (correlation, tenant, group) so a group's matches all reach the
// same partition and so the same window stage; the window stage (stateful) counts them.
//
// A tenant's clock must reach every partition, also those its matches seldom touch (an absence
// deadline passes while nothing matches): the match stage also sends ticks, a tenant's clock
// for each partition, keyed so the bus's partitioner (murmur2, as Kafka's) puts one in each.
//
// Each match names its source: the events partition, offset, and its place among that event's
// uses. A match stage restarted mid-batch publishes the batch's matches again; the window stage
// counts a match only when its source is past the last it counted from that events partition.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"
#include "common/result.h"

namespace hinomi::correlator {

struct MatchSource {
  int32_t partition = 0;  // of the events topic
  int64_t offset = 0;
  uint32_t use = 0;  // this match's place among its event's uses
  auto operator<=>(const MatchSource&) const = default;
};

struct MatchRecord {
  bool tick = false;
  std::string tenant;
  int64_t clock_us = 0;     // the tenant's clock at the match stage once this event (or batch) was read
  std::string correlation;  // matches: the correlation's rule id
  int reference = 0;        // which of its rules matched (index in `correlation.rules`)
  MatchSource source;
  Event event;  // id, tenant, times and fields: what the windows and incidents use
};

// Key of a match: correlation rule id, NUL, group key (tenant, NUL, group-by values) — the key of
// the group's window in the window store.
std::string matchKey(std::string_view correlation, std::string_view group_key);
// Keys that put a tick for `tenant` in each of `partitions` partitions (index = partition).
std::vector<std::string> tickKeys(std::string_view tenant, int32_t partitions);

// A header line of JSON, then (matches) the event's JSON.
std::string encodeMatch(const MatchRecord& record);
[[nodiscard]] Result<MatchRecord> decodeMatch(std::string_view value);

}  // namespace hinomi::correlator
