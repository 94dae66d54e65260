#include "correlator/windows/match_record.h"

#include <nlohmann/json.hpp>

#include "common/bus/partitioner.h"

namespace hinomi::correlator {

std::string matchKey(std::string_view correlation, std::string_view group_key) {
  std::string key(correlation);
  key.push_back('\0');
  key += group_key;
  return key;
}

std::vector<std::string> tickKeys(std::string_view tenant, int32_t partitions) {
  std::vector<std::string> keys(size_t(std::max(partitions, 0)));
  size_t found = 0;
  // murmur2 spreads keys evenly: a few times `partitions` candidates cover every partition.
  for (uint64_t n = 0; found < keys.size(); ++n) {
    std::string key = "\x01tick";
    key.push_back('\0');
    key += tenant;
    key.push_back('\0');
    key += std::to_string(n);
    auto& slot = keys[size_t(bus::partitionFor(key, partitions))];
    if (slot.empty()) {
      slot = std::move(key);
      ++found;
    }
  }
  return keys;
}

std::string encodeMatch(const MatchRecord& r) {
  nlohmann::json header = {{"tenant", r.tenant}, {"clock", r.clock_us}};
  if (r.tick) {
    header["tick"] = true;
    return header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  header["correlation"] = r.correlation;
  header["reference"] = r.reference;
  header["source"] = {r.source.partition, r.source.offset, r.source.use};
  std::string out = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.push_back('\n');
  Event slim;  // what the windows read: no raw bytes or message on this topic
  slim.id = r.event.id;
  slim.tenant = r.event.tenant;
  slim.ts_us = r.event.ts_us;
  slim.ingest_ts_us = r.event.ingest_ts_us;
  slim.fields = r.event.fields;
  appendJson(slim, out);
  return out;
}

Result<MatchRecord> decodeMatch(std::string_view value) {
  const size_t nl = value.find('\n');
  MatchRecord r;
  try {
    auto header = nlohmann::json::parse(value.substr(0, nl));
    r.tenant = header.at("tenant").get<std::string>();
    r.clock_us = header.at("clock").get<int64_t>();
    r.tick = header.value("tick", false);
    if (r.tick) return r;
    r.correlation = header.at("correlation").get<std::string>();
    r.reference = header.at("reference").get<int>();
    const auto& src = header.at("source");
    r.source = MatchSource{src.at(0).get<int32_t>(), src.at(1).get<int64_t>(), src.at(2).get<uint32_t>()};
  } catch (const std::exception& e) {
    return makeError(ErrorCode::kInvalidArgument, std::string("not a match record: ") + e.what());
  }
  if (nl == std::string_view::npos) return makeError(ErrorCode::kInvalidArgument, "not a match record: no event");
  auto event = eventFromJson(value.substr(nl + 1));
  if (!event) return makeError(ErrorCode::kInvalidArgument, "not a match record: " + event.error().message);
  r.event = std::move(*event);
  return r;
}

}  // namespace hinomi::correlator
