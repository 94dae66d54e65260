#pragma once
// One group's window of one correlation, and its stored form. The engine (correlation_engine.h)
// keeps these in memory; WindowStore keeps them in RocksDB between batches and restarts, and a
// bounded engine reads them back from there when a group it evicted is seen again.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "correlator/incident.h"

namespace hinomi::correlator {

struct Seen {
  int64_t ts = 0;
  std::string event_id;
  std::string value;  // value_count: the counted field's value
};

struct GroupState {
  std::string tenant;
  std::string clock;  // whose clock closes its windows: the tenant's (or, in a windows stage, the tenant's in one partition)
  nlohmann::json group = nlohmann::json::object();
  std::deque<Seen> seen;                  // event_count / value_count: the window's events, by time
  std::vector<std::optional<Seen>> last;  // temporal: latest match per rule
  std::vector<std::optional<std::pair<int64_t, std::vector<Seen>>>> chain;  // temporal_ordered: (start, steps)
  int64_t window_start = 0;  // closing windows: when it opened
  bool window_open = false;
  // Suppression: the incident raised in the current window, updated by later matches.
  bool suppressing = false;
  int64_t suppress_until = 0;
  uint64_t joined = 0;  // matches that joined it since it was emitted
  Incident incident;
  // Absence: when silence becomes an incident, and the event it is about.
  int64_t deadline = -1;
  Seen awaiting;
  Fields fields;  // latest (closing) / awaited (absence) event's fields
  int64_t timer = -1;      // the deadline this group is queued under (-1: none)
  uint64_t timer_seq = 0;  // its place among timers due at the same time
  // The timer as last written to the store's timer index (-1: none there), so a changed timer's
  // old index entry is deleted with the write that adds the new one.
  int64_t stored_timer = -1;
  uint64_t stored_timer_seq = 0;
  uint64_t touched = 0;  // the engine's tick when last used: the least recently used are evicted (not stored)
};

// MessagePack with short keys, as there may be millions.
std::string encodeGroup(const GroupState& g);
// Throws nlohmann's (or std::runtime_error) on bytes that are not an encodeGroup() result.
GroupState decodeGroup(std::string_view bytes);

}  // namespace hinomi::correlator
