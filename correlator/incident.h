#pragma once
// The incident record: what the correlator publishes on hinomi.incidents when a rule fires, and
// what `hinomi replay` prints. Single-event rules fill it from one event (group is empty,
// event_count 1); the stateful correlations of the next issue use the same record with windows.
// docs/replay.md describes every field.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/event.h"
#include "common/result.h"

namespace hinomi::correlator {

struct Incident {
  static constexpr size_t kMaxEventIds = 100;  // event_ids keeps the first 100; event_count counts all

  std::string id;        // incidentId(rule_id, tenant, group, first event id)
  std::string rule_id;
  std::string title;
  std::string level;
  std::vector<std::string> tags;
  std::string tenant;
  nlohmann::json group = nlohmann::json::object();  // group-by field → value; {} for single-event rules
  int64_t first_ts_us = 0;  // event time of the first event, µs since epoch UTC
  int64_t last_ts_us = 0;
  uint64_t event_count = 0;
  std::vector<std::string> event_ids;  // at most kMaxEventIds
  Fields fields;                       // the triggering event's fields

  // Adds an event id unless the list is full; always counts the event.
  void addEventId(std::string_view event_id);
  bool operator==(const Incident&) const = default;
};

// A UUID-shaped (8-4-4-4-12 lower-case hex, version 8, RFC 9562 variant) 128-bit hash of `key`:
// the same key always gives the same id, on every platform and in every run.
std::string stableUuid(std::string_view key);

// stableUuid(prefix + suffix) for many suffixes after one prefix, which is hashed once (replay
// names line N of a file by "replay\0FILE\0N": the file name was most of the hashing).
class StableUuids {
 public:
  explicit StableUuids(std::string_view prefix);
  std::string operator()(std::string_view suffix) const;

 private:
  uint64_t hi_, lo_;
  size_t size_;
};

// The incident id: stableUuid over rule id, tenant, the group values (compact JSON, keys sorted)
// and the first event's id, so a re-emitted incident keeps its id downstream.
std::string incidentId(std::string_view rule_id, std::string_view tenant, const nlohmann::json& group,
                       std::string_view first_event_id);

// A single-event incident for `rule` fired by `event` (id, times, count 1, fields).
Incident incidentFromEvent(std::string_view rule_id, std::string_view title, std::string_view level,
                           const std::vector<std::string>& tags, const Event& event);
// The same, written over `inc` so that its buffers (the fields' slots above all) are reused: replay
// raises an incident for one line in seven.
void incidentFromEvent(Incident& inc, std::string_view rule_id, std::string_view title, std::string_view level,
                       const std::vector<std::string>& tags, const Event& event);

// One line of JSON, keys in a fixed order: id, rule_id, title, level, tags, tenant, group,
// first_ts, last_ts (RFC 3339, µs), event_count, event_ids, fields. Invalid UTF-8 becomes U+FFFD.
std::string toJson(const Incident& incident);
void appendJson(const Incident& incident, std::string& out);
[[nodiscard]] Result<Incident> incidentFromJson(std::string_view json);

}  // namespace hinomi::correlator
