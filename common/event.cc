#include "common/event.h"

#include <charconv>
#include <random>

#include "common/json_writer.h"
#include "common/text.h"
#include "common/time.h"

namespace hinomi {
namespace {

using nlohmann::ordered_json;

uint64_t randomBits() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// facility and severity: -1 (unknown) is null.
void appendSmallInt(std::string& out, int v) {
  if (v < 0) {
    out.append("null");
    return;
  }
  char buf[12];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

template <typename T>
bool take(const nlohmann::json& j, const char* key, T& out, std::string& err) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  try {
    out = it->get<T>();
    return true;
  } catch (const nlohmann::json::exception&) {
    err = std::string("field '") + key + "' has the wrong type";
    return false;
  }
}

}  // namespace

std::string newEventId(int64_t now_us) {
  uint64_t ms = static_cast<uint64_t>(now_us / 1000);
  uint64_t hi = (ms << 16) | 0x7000 | (randomBits() & 0x0FFF);         // 48-bit ms, version 7
  uint64_t lo = (randomBits() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  // 8-4-4-4-12 lowercase hex digits of hi then lo.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  size_t pos = 0;
  for (int nibble = 0; nibble < 32; ++nibble) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
    const uint64_t word = nibble < 16 ? hi : lo;
    id[pos++] = kHex[(word >> (60 - 4 * (nibble % 16))) & 0xF];
  }
  return id;
}

void appendJson(const Event& e, std::string& out) {
  // Keys in the documented order; written by hand because this runs for every event on every hop.
  char ts[40];
  out.reserve(out.size() + 256 + e.raw.size() + e.message.size());
  out.append("{\"id\":");
  json::appendText(out, e.id);
  out.append(",\"ts\":\"").append(ts, formatRfc3339(e.ts_us, ts)).append("\",\"ingest_ts\":\"");
  out.append(ts, formatRfc3339(e.ingest_ts_us, ts)).append("\",\"tenant\":");
  json::appendText(out, e.tenant);
  out.append(",\"listener\":");
  json::appendText(out, e.listener);
  out.append(",\"host\":");
  json::appendText(out, e.host);
  out.append(",\"app\":");
  json::appendText(out, e.app);
  out.append(",\"facility\":");
  appendSmallInt(out, e.facility);
  out.append(",\"severity\":");
  appendSmallInt(out, e.severity);
  out.append(",\"message\":");
  json::appendText(out, e.message);
  out.append(",\"raw\":");
  if (!json::appendString(out, e.raw)) {
    out.push_back('"');
    out.append(base64Encode(e.raw));
    out.append("\",\"raw_encoding\":\"base64\"");
  }
  out.append(",\"parse_status\":");
  json::appendText(out, e.parse_status);
  out.append(",\"decoder\":");
  json::appendText(out, e.decoder);
  out.append(",\"fields\":");
  e.fields.appendJson(out);
  out.push_back('}');
}

std::string toJson(const Event& e) {
  std::string out;
  appendJson(e, out);
  return out;
}

Result<Event> eventFromJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return makeError(ErrorCode::kInvalidArgument, "event is not valid JSON");
  if (!j.is_object()) return makeError(ErrorCode::kInvalidArgument, "event is not a JSON object");
  Event e;
  std::string err, ts, ingest_ts, raw_encoding;
  bool ok = take(j, "id", e.id, err) && take(j, "ts", ts, err) && take(j, "ingest_ts", ingest_ts, err) &&
            take(j, "tenant", e.tenant, err) && take(j, "listener", e.listener, err) &&
            take(j, "host", e.host, err) && take(j, "app", e.app, err) &&
            take(j, "facility", e.facility, err) && take(j, "severity", e.severity, err) &&
            take(j, "message", e.message, err) && take(j, "raw", e.raw, err) &&
            take(j, "raw_encoding", raw_encoding, err) &&
            take(j, "parse_status", e.parse_status, err) && take(j, "decoder", e.decoder, err);
  if (!ok) return makeError(ErrorCode::kInvalidArgument, err);
  if (!ts.empty()) {
    auto t = parseRfc3339(ts);
    if (!t) return tl::unexpected(t.error());
    e.ts_us = *t;
  }
  if (!ingest_ts.empty()) {
    auto t = parseRfc3339(ingest_ts);
    if (!t) return tl::unexpected(t.error());
    e.ingest_ts_us = *t;
  }
  if (raw_encoding == "base64") {
    auto bytes = base64Decode(e.raw);
    if (!bytes) return makeError(ErrorCode::kInvalidArgument, "field 'raw' is not valid base64");
    e.raw = std::move(*bytes);
  } else if (!raw_encoding.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "unknown raw_encoding '" + raw_encoding + "'");
  }
  if (e.facility < -1 || e.facility > 23) return makeError(ErrorCode::kInvalidArgument, "facility out of range 0-23");
  if (e.severity < -1 || e.severity > 7) return makeError(ErrorCode::kInvalidArgument, "severity out of range 0-7");
  if (auto it = j.find("fields"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return makeError(ErrorCode::kInvalidArgument, "field 'fields' is not an object");
    for (auto& [k, v] : it->items())
      if (v.is_object() || v.is_array())
        if (!(v.is_array() && std::all_of(v.begin(), v.end(), [](auto& x) { return x.is_primitive(); })))
          return makeError(ErrorCode::kInvalidArgument,
                           "fields." + k + " must be a scalar or a list of scalars");
    e.fields = Fields::fromJson(*it);
  }
  return e;
}

}  // namespace hinomi
