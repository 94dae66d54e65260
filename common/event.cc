#include "common/event.h"

#include <random>

#include "common/text.h"
#include "common/time.h"

namespace hinomi {
namespace {

using nlohmann::ordered_json;

uint64_t randomBits() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// JSON text fields must be UTF-8; nlohmann would throw on anything else.
std::string jsonText(const std::string& s) {
  if (isValidUtf8(s)) return s;
  // Round-trip through nlohmann's replacing serializer to get U+FFFD for each bad byte.
  std::string quoted = nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(quoted).get<std::string>();
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
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string toJson(const Event& e) {
  ordered_json j;
  j["id"] = e.id;
  j["ts"] = formatRfc3339(e.ts_us);
  j["ingest_ts"] = formatRfc3339(e.ingest_ts_us);
  j["tenant"] = jsonText(e.tenant);
  j["listener"] = jsonText(e.listener);
  j["host"] = jsonText(e.host);
  j["app"] = jsonText(e.app);
  j["facility"] = e.facility >= 0 ? ordered_json(e.facility) : ordered_json(nullptr);
  j["severity"] = e.severity >= 0 ? ordered_json(e.severity) : ordered_json(nullptr);
  j["message"] = jsonText(e.message);
  if (isValidUtf8(e.raw)) {
    j["raw"] = e.raw;
  } else {
    j["raw"] = base64Encode(e.raw);
    j["raw_encoding"] = "base64";
  }
  j["parse_status"] = e.parse_status;
  j["decoder"] = e.decoder;
  j["fields"] = e.fields.is_object() ? e.fields : nlohmann::json::object();
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
    e.fields = *it;
  }
  return e;
}

}  // namespace hinomi
