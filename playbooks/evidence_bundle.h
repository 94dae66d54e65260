#pragma once
// 証拠保全: an `evidence` step copies a case's raw events off the bus (whose retention would delete
// them) into a bundle on disk — events.jsonl, one line per event with the SHA-256 of its raw bytes,
// and manifest.json with the hash of the whole file — written to a temporary directory, fsynced and
// renamed into place, so a crash leaves the whole bundle or none. verifyEvidenceBundle re-reads
// one and names the first event whose bytes no longer match.
//
//   base_dir/<case_id>/<step_id>/events.jsonl
//   base_dir/<case_id>/<step_id>/manifest.json

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/bus/bus.h"
#include "common/result.h"

namespace hinomi::playbooks {

struct EvidenceEvent {
  std::string id;
  int64_t ts_us = 0;
  std::string raw;     // the original line, any bytes
  std::string record;  // the event as stored on the bus (its JSON), byte for byte
};

struct EvidenceManifest {
  std::string case_id, step_id, dir;  // dir: where it was written
  size_t events = 0;
  std::string bundle_sha256;  // hex SHA-256 of events.jsonl as written
  bool capped = false;        // collection stopped at its max_events
  // {case, step, dir, events, bundle_sha256, capped}: what a StepRun's result keeps.
  nlohmann::json toJson() const;
};

// Collects the case's raw events from `events_topic`: events of `tenant` whose id is in
// `event_ids`, plus events of `tenant` whose event time is in [from_us, to_us] and whose host
// (Event::host, the sender, or the field host.name; ASCII case-insensitive) is one of `hosts`.
// Reads the topic from its earliest retained record with a fresh consumer group that never
// commits, up to the end as it was when it started: a partition ends at its first record the bus
// accepted after the start (5 s of leeway for producer clocks), and reading stops when every
// partition has ended or two polls in a row come back empty. An event delivered twice (the
// collector's spool re-sends) is kept once. At most `max_events`, the first ones by offset;
// `capped` (when given) says whether more matched. Sorted by event time.
[[nodiscard]] Result<std::vector<EvidenceEvent>> collectCaseEvents(
    bus::Bus& bus, const std::string& events_topic, const std::string& tenant,
    const std::set<std::string>& event_ids, const std::set<std::string>& hosts, int64_t from_us, int64_t to_us,
    size_t max_events = 100000, bool* capped = nullptr);

// Writes base_dir/<case_id>/<step_id>/: events.jsonl (one line per event:
// {"id","ts","sha256","raw","record"}; sha256 of the raw bytes; raw as a JSON string when it is
// valid UTF-8, else base64 with "raw_encoding":"base64") and manifest.json ({case, step, created,
// events:[{id, sha256, line_sha256}], bundle_sha256, count, capped}). A bundle already there is
// swapped for the new one in one rename (RENAME_EXCHANGE) and removed after. Case and step ids
// must be safe path components (safePathComponent). One writer per case and step at a time (the
// responder runs a case's steps one by one): temporary directories of an earlier crashed write are
// removed at the next.
[[nodiscard]] Result<EvidenceManifest> writeEvidenceBundle(const std::string& base_dir, const std::string& case_id,
                                                           const std::string& step_id,
                                                           const std::vector<EvidenceEvent>& events, int64_t now_us,
                                                           bool capped = false);

// Re-reads the bundle in `dir` and checks every event's hashes and the bundle's; the error names
// the first mismatch (the event's line, id and what differs).
[[nodiscard]] Status verifyEvidenceBundle(const std::string& dir);

// Whether `s` can be used as one path component: non-empty, [A-Za-z0-9_.-] only, no "..", not
// starting with "." (the bundle's temporary directories are hidden names).
bool safePathComponent(const std::string& s);

}  // namespace hinomi::playbooks
