#include "collector/sources/http_ingest.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>

#include <nlohmann/json.hpp>

#include "collector/collector_metrics.h"
#include "collector/sources/json_batch.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/time.h"

namespace hinomi::collector {
namespace {

prometheus::Family<prometheus::Counter>& requestsFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_collector_http_requests_total")
                       .Help("POST /v1/events requests answered, per listener and status code "
                             "(listener is empty for 401: no listener's token)")
                       .Register(metrics::registry());
  return f;
}

// Compares without an early exit, so the time taken does not tell how much of a token matched.
bool constantTimeEqual(std::string_view given, std::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

// "application/json; charset=utf-8" → "application/json".
std::string mediaType(const std::string& content_type) {
  std::string_view t = content_type;
  t = t.substr(0, t.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  return lower(t);
}

// The declared body length; 0 when absent (chunked) or unreadable (the read below still caps it).
uint64_t contentLength(const httplib::Request& req) {
  const std::string v = req.get_header_value("Content-Length");
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return ec == std::errc() ? n : 0;
}

}  // namespace

struct HttpIngest::Listener {
  std::string name;
  std::vector<std::string> tokens;
  int64_t max_body_bytes = 0;
  int64_t max_message_bytes = 0;
  ListenerPipeline* pipeline = nullptr;
  prometheus::Counter* received = nullptr;
  prometheus::Counter* received_bytes = nullptr;
};

HttpIngest::HttpIngest(std::chrono::milliseconds durable_timeout) : durable_timeout_(durable_timeout) {}
HttpIngest::~HttpIngest() = default;

void HttpIngest::addListener(const config::ListenerOptions& options, ListenerPipeline& pipeline) {
  auto l = std::make_unique<Listener>();
  l->name = options.name;
  l->tokens = options.tokens;
  l->max_body_bytes = options.max_body_bytes;
  l->max_message_bytes = options.max_message_bytes;
  l->pipeline = &pipeline;
  l->received = &receivedFamily().Add({{"listener", l->name}});
  l->received_bytes = &receivedBytesFamily().Add({{"listener", l->name}});
  requestsFamily();
  listeners_.push_back(std::move(l));
}

void HttpIngest::registerRoutes(httplib::Server& server) {
  auto self = shared_from_this();
  server.Post(kPath, [self](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
    self->handle(req, res, read);
  });
  // One line per listener, like the socket listeners (the address is the HTTP server's).
  for (const auto& l : listeners_)
    logging::get("collector")->info("Listening. listener={} transport=http path=POST {} (on http.listen)", l->name, kPath);
}

void HttpIngest::stop() {
  std::unique_lock lock(mu_);
  stopped_ = true;
}

const HttpIngest::Listener* HttpIngest::authenticate(const std::string& authorization) const {
  std::string_view h = authorization;
  if (h.size() < 7 || lower(h.substr(0, 7)) != "bearer ") return nullptr;
  h.remove_prefix(7);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  if (h.empty()) return nullptr;
  // Every token is compared, whichever matches.
  const Listener* found = nullptr;
  for (const auto& l : listeners_)
    for (const auto& t : l->tokens)
      if (constantTimeEqual(h, t) && found == nullptr) found = l.get();
  return found;
}

void HttpIngest::handle(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
  const Listener* listener = authenticate(req.get_header_value("Authorization"));
  auto answer = [&](int status, nlohmann::json body) {
    res.status = status;
    // replace: an error message may quote request bytes that are not UTF-8; dump() would throw.
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "application/json");
    requestsFamily().Add({{"listener", listener ? listener->name : ""}, {"code", std::to_string(status)}}).Increment();
  };
  // Refused before the body is read: the rest of it is still on the connection, so end it.
  auto refuse = [&](int status, const std::string& error) {
    answer(status, {{"error", error}});
    res.set_header("Connection", "close");
  };
  auto retryLater = [&](const std::string& error) {
    answer(503, {{"error", error}});
    res.set_header("Retry-After", "1");
  };

  if (listener == nullptr) {
    res.set_header("WWW-Authenticate", "Bearer");
    logging::get("collector")->debug("HTTP ingest refused a request without a known token. peer={}", req.remote_addr);
    return refuse(401, req.has_header("Authorization") ? "unknown bearer token" : "missing bearer token");
  }
  const std::string type = mediaType(req.get_header_value("Content-Type"));
  const bool ndjson = type == "application/x-ndjson";
  if (!ndjson && type != "application/json")
    return refuse(415, "Content-Type must be application/json or application/x-ndjson");
  const uint64_t max_body = uint64_t(listener->max_body_bytes);
  if (contentLength(req) > max_body)
    return refuse(413, "body larger than " + std::to_string(max_body) + " bytes");

  std::string body;
  bool too_large = false;
  const bool complete = read([&](const char* data, size_t n) {
    if (body.size() + n > max_body) {
      too_large = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (too_large) return refuse(413, "body larger than " + std::to_string(max_body) + " bytes");
  // A body cut off could still parse (NDJSON up to a line end): take nothing of it.
  if (!complete) return refuse(400, "incomplete body");

  std::vector<JsonObjectText> objects;
  JsonBatchError error;
  if (!splitJsonBatch(body, ndjson, objects, error))
    return answer(400, {{"error", error.message}, {"line", error.line}});
  for (const auto& o : objects)
    if (int64_t(o.text.size()) > listener->max_message_bytes)
      return answer(413, {{"error", "event larger than max_message_bytes (" +
                                        std::to_string(listener->max_message_bytes) + ")"},
                          {"line", o.line}});

  auto ack = std::make_shared<AckGroup>();
  {
    std::shared_lock lock(mu_);
    if (stopped_) return retryLater("shutting down");
    const int64_t now = SystemClock::instance().nowMicros();
    // The per-source rate limit takes the whole request or none of it: 429, nothing stored.
    if (!listener->pipeline->allowRate(req.remote_addr, now, objects.size())) {
      answer(429, {{"error", "over this source's rate limit (rate_limit_per_source), retry later"}});
      res.set_header("Retry-After", "1");
      return;
    }
    for (const auto& o : objects) {
      listener->received->Increment();
      listener->received_bytes->Increment(double(o.text.size()));
      Status st = listener->pipeline->submit(ReceivedMessage{o.text, req.remote_addr, now, false}, ack);
      if (st) continue;
      // Events before this one may be stored already: the sender re-sends the whole request.
      if (st.error().code == ErrorCode::kUnavailable) return retryLater("no room for events now, retry");
      return answer(500, {{"error", "could not store an event"}});
    }
  }
  if (!ack->wait(durable_timeout_)) return retryLater("events not confirmed durable in time, retry");
  answer(200, {{"accepted", objects.size()}});
}

}  // namespace hinomi::collector
