#include "correlator/incident.h"

#include <array>
#include <cstdio>

#include "common/json_writer.h"
#include "common/time.h"

namespace hinomi::correlator {
namespace {

using nlohmann::json;

// FNV-1a over the bytes with two different offset bases, each finished with the splitmix64
// mixer: 128 well-spread bits, stable everywhere (std::hash is not).
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

constexpr uint64_t kBasisHi = 0xcbf29ce484222325ULL;
constexpr uint64_t kBasisLo = 0x84222325cbf29ce4ULL;

uint64_t fnv1a(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string uuidText(uint64_t hi, uint64_t lo) {
  hi = (hi & ~0xf000ULL) | 0x8000ULL;                      // version 8 (custom)
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 9562 variant
  // 8-4-4-4-12 hex digits of hi then lo, a byte (two digits) at a time from a table: snprintf
  // was 5% of a replay, a digit at a time still 2%.
  static constexpr auto kPairs = [] {
    std::array<char, 512> t{};
    constexpr char kHex[] = "0123456789abcdef";
    for (int b = 0; b < 256; ++b) {
      t[size_t(2 * b)] = kHex[b >> 4];
      t[size_t(2 * b + 1)] = kHex[b & 15];
    }
    return t;
  }();
  static constexpr uint8_t kAt[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
  std::string out(36, '-');
  for (int i = 0; i < 16; ++i) {
    const unsigned byte = unsigned((i < 8 ? hi : lo) >> (56 - 8 * (i % 8))) & 0xff;
    out[kAt[i]] = kPairs[2 * byte];
    out[kAt[i] + 1] = kPairs[2 * byte + 1];
  }
  return out;
}

// The hand-written writer (common/json_writer.h): the same bytes as nlohmann's dump with
// error_handler_t::replace, at a fraction of the cost (an incident carries every event field).
void appendString(std::string& out, std::string_view s) { hinomi::json::appendText(out, s); }

void appendTime(std::string& out, int64_t us) {
  char buf[kRfc3339Max];
  size_t n = formatRfc3339(us, buf);
  out.push_back('"');
  out.append(buf, n);
  out.push_back('"');
}

}  // namespace

void Incident::addEventId(std::string_view event_id) {
  ++event_count;
  if (event_ids.size() < kMaxEventIds) event_ids.emplace_back(event_id);
}

std::string stableUuid(std::string_view key) {
  return uuidText(mix(fnv1a(key, kBasisHi) ^ key.size()), mix(fnv1a(key, kBasisLo) ^ key.size()));
}

StableUuids::StableUuids(std::string_view prefix)
    : hi_(fnv1a(prefix, kBasisHi)), lo_(fnv1a(prefix, kBasisLo)), size_(prefix.size()) {}

std::string StableUuids::operator()(std::string_view suffix) const {
  const uint64_t n = size_ + suffix.size();
  return uuidText(mix(fnv1a(suffix, hi_) ^ n), mix(fnv1a(suffix, lo_) ^ n));
}

std::string incidentId(std::string_view rule_id, std::string_view tenant, const json& group,
                       std::string_view first_event_id) {
  std::string key;
  key.append(rule_id).push_back('\0');
  key.append(tenant).push_back('\0');
  if (group.is_object() && group.empty()) key += "{}";  // a single event's (what dump writes)
  else key += group.dump(-1, ' ', false, json::error_handler_t::replace);  // std::map: keys sorted
  key.push_back('\0');
  key.append(first_event_id);
  return stableUuid(key);
}

void incidentFromEvent(Incident& inc, std::string_view rule_id, std::string_view title, std::string_view level,
                       const std::vector<std::string>& tags, const Event& event) {
  inc.rule_id.assign(rule_id);
  inc.title.assign(title);
  inc.level.assign(level);
  inc.tags = tags;
  inc.tenant = event.tenant;
  if (!inc.group.is_object() || !inc.group.empty()) inc.group = json::object();
  inc.first_ts_us = inc.last_ts_us = event.ts_us;
  inc.event_count = 1;
  inc.event_ids.resize(1);
  inc.event_ids[0].assign(event.id);
  inc.fields = event.fields;
  inc.id = incidentId(inc.rule_id, inc.tenant, inc.group, event.id);
}

Incident incidentFromEvent(std::string_view rule_id, std::string_view title, std::string_view level,
                           const std::vector<std::string>& tags, const Event& event) {
  Incident inc;
  incidentFromEvent(inc, rule_id, title, level, tags, event);
  return inc;
}

void appendJson(const Incident& inc, std::string& out) {
  out += "{\"id\":";
  appendString(out, inc.id);
  out += ",\"rule_id\":";
  appendString(out, inc.rule_id);
  out += ",\"title\":";
  appendString(out, inc.title);
  out += ",\"level\":";
  appendString(out, inc.level);
  out += ",\"tags\":[";
  for (size_t i = 0; i < inc.tags.size(); ++i) {
    if (i) out.push_back(',');
    appendString(out, inc.tags[i]);
  }
  out += "],\"tenant\":";
  appendString(out, inc.tenant);
  out += ",\"group\":";
  hinomi::json::appendValue(out, inc.group);
  out += ",\"first_ts\":";
  appendTime(out, inc.first_ts_us);
  out += ",\"last_ts\":";
  appendTime(out, inc.last_ts_us);
  out += ",\"event_count\":";
  out += std::to_string(inc.event_count);
  out += ",\"event_ids\":[";
  for (size_t i = 0; i < inc.event_ids.size(); ++i) {
    if (i) out.push_back(',');
    appendString(out, inc.event_ids[i]);
  }
  out += "],\"fields\":";
  inc.fields.appendJson(out);
  out.push_back('}');
}

std::string toJson(const Incident& incident) {
  std::string out;
  appendJson(incident, out);
  return out;
}

Result<Incident> incidentFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return makeError(ErrorCode::kInvalidArgument, "incident: not a JSON object");
  Incident inc;
  const char* bad = "";
  auto str = [&](const char* key, std::string& dst) -> bool {
    auto it = j.find(key);
    if (it == j.end()) return true;
    if (!it->is_string()) return (bad = key, false);
    dst = it->get<std::string>();
    return true;
  };
  auto strs = [&](const char* key, std::vector<std::string>& dst) -> bool {
    auto it = j.find(key);
    if (it == j.end()) return true;
    if (!it->is_array()) return (bad = key, false);
    for (const auto& v : *it) {
      if (!v.is_string()) return (bad = key, false);
      dst.push_back(v.get<std::string>());
    }
    return true;
  };
  auto timestamp = [&](const char* key, int64_t& dst) -> bool {
    auto it = j.find(key);
    if (it == j.end()) return true;
    if (!it->is_string()) return (bad = key, false);
    auto t = parseRfc3339(it->get<std::string>());
    if (!t) return (bad = key, false);
    dst = *t;
    return true;
  };
  auto obj = [&](const char* key, json& dst) -> bool {
    auto it = j.find(key);
    if (it == j.end()) return true;
    if (!it->is_object()) return (bad = key, false);
    dst = *it;
    return true;
  };
  json fields = json::object();
  bool ok = str("id", inc.id) && str("rule_id", inc.rule_id) && str("title", inc.title) &&
            str("level", inc.level) && strs("tags", inc.tags) && str("tenant", inc.tenant) &&
            obj("group", inc.group) && timestamp("first_ts", inc.first_ts_us) && timestamp("last_ts", inc.last_ts_us) &&
            strs("event_ids", inc.event_ids) && obj("fields", fields);
  if (!ok) return makeError(ErrorCode::kInvalidArgument, std::string("incident: bad \"") + bad + "\"");
  inc.fields = Fields::fromJson(fields);
  if (auto it = j.find("event_count"); it != j.end()) {
    if (!it->is_number_unsigned()) return makeError(ErrorCode::kInvalidArgument, "incident: bad \"event_count\"");
    inc.event_count = it->get<uint64_t>();
  }
  return inc;
}

}  // namespace hinomi::correlator
