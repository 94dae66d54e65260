#include "collector/listener_pipeline.h"

#include <chrono>

#include "collector/collector_metrics.h"
#include "collector/parsers/parser_factory.h"
#include "common/event.h"
#include "common/logging.h"
#include "common/metrics.h"

namespace hinomi::collector {
namespace {

prometheus::Family<prometheus::Counter>& malformedFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_collector_malformed_total")
                       .Help("Messages kept as malformed events (raw bytes, parse_status malformed:…), per listener and parser")
                       .Register(metrics::registry());
  return f;
}

prometheus::Family<prometheus::Counter>& backpressureFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_collector_backpressure_seconds_total")
                       .Help("Time a listener spent waiting for room in the spool or bus (its senders were held back)")
                       .Register(metrics::registry());
  return f;
}

prometheus::Family<prometheus::Counter>& outletErrorFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_collector_handoff_errors_total")
                       .Help("Messages the spool or bus refused for a reason other than being full "
                             "(disk error, record too large), per listener; they are lost")
                       .Register(metrics::registry());
  return f;
}

}  // namespace

Result<std::unique_ptr<ListenerPipeline>> ListenerPipeline::create(const config::ListenerOptions& options,
                                                                   Outlet& outlet, bool block_when_full,
                                                                   const Clock& clock) {
  auto parser = makeParser(options.format);
  if (!parser) return makeError(ErrorCode::kConfig, options.name + ": unknown format '" + options.format + "'");
  auto offset = config::parseUtcOffset(options.utc_offset);
  if (!offset) return makeError(ErrorCode::kConfig, options.name + ": bad utc_offset '" + options.utc_offset + "'");
  return std::make_unique<ListenerPipeline>(options, outlet, block_when_full, std::move(parser), *offset, clock);
}

ListenerPipeline::ListenerPipeline(const config::ListenerOptions& options, Outlet& outlet, bool block_when_full,
                                   std::unique_ptr<Parser> parser, int32_t utc_offset_secs, const Clock& clock)
    : name_(options.name),
      outlet_(outlet),
      block_when_full_(block_when_full),
      parser_(std::move(parser)),
      tenants_(options.tenant, options.tenant_by_source),
      utc_offset_secs_(utc_offset_secs),
      clock_(clock) {
  malformed_ = &malformedFamily().Add({{"listener", name_}, {"parser", std::string(parser_->name())}});
  full_drops_ = &droppedFamily().Add({{"listener", name_}, {"reason", std::string(outlet_.fullReason())}});
  if (options.rate_limit_per_source > 0) {
    const double rate = double(options.rate_limit_per_source);
    rate_limiter_ = std::make_unique<RateLimiter>(
        rate, options.rate_limit_burst > 0 ? double(options.rate_limit_burst) : rate);
    rate_limit_drops_ = &droppedFamily().Add({{"listener", name_}, {"reason", "rate_limit"}});
  }
  outlet_errors_ = &outletErrorFamily().Add({{"listener", name_}});
  backpressure_seconds_ = &backpressureFamily().Add({{"listener", name_}});
}

std::string ListenerPipeline::encode(const ReceivedMessage& m, std::string& json) {
  Event e;
  e.ingest_ts_us = m.received_us;
  e.id = newEventId(m.received_us);
  e.listener = name_;
  e.tenant = tenants_.resolve(m.peer);
  ParseContext ctx;
  ctx.ingest_ts_us = m.received_us;
  ctx.peer = std::string(m.peer);
  ctx.local_utc_offset_secs = utc_offset_secs_;
  parser_->parse(m.bytes, ctx, e);
  if (m.truncated && !e.malformed()) e.markMalformed("truncated");
  if (e.malformed()) malformed_->Increment();
  if (m.truncated) e.fields["hinomi.truncated"] = true;
  json.clear();
  appendJson(e, json);
  std::string key = std::move(e.tenant);
  key.append("|").append(e.host);
  return key;
}

bool ListenerPipeline::allowRate(std::string_view peer, int64_t now_us, size_t messages) {
  if (!rate_limiter_ || rate_limiter_->allow(peer, now_us, double(messages))) return true;
  rate_limit_drops_->Increment(double(messages));
  return false;
}

void ListenerPipeline::onMessage(const ReceivedMessage& m) {
  // A dropped message was never accepted: it does not count against sync().
  if (!allowRate(m.peer, m.received_us)) return;
  const std::string key = encode(m, json_);
  Status put = outlet_.put(key, json_);
  if (!put && put.error().code == ErrorCode::kUnavailable && block_when_full_) {
    // Hold this thread (and so the sender) until the outlet has room.
    auto start = std::chrono::steady_clock::now();
    const int64_t need = int64_t(key.size() + json_.size());
    while (!put && put.error().code == ErrorCode::kUnavailable && !stopping_.load()) {
      outlet_.waitForRoom(need, std::chrono::milliseconds(500));
      put = outlet_.put(key, json_);
    }
    backpressure_seconds_->Increment(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (!put) countFailure(put.error());
}

Status ListenerPipeline::submit(const ReceivedMessage& m, const std::shared_ptr<AckGroup>& ack) {
  std::string json;
  const std::string key = encode(m, json);
  Status put = outlet_.put(key, json, ack);
  if (!put && put.error().code != ErrorCode::kUnavailable) countFailure(put.error());
  return put;
}

bool ListenerPipeline::sync(std::chrono::milliseconds timeout) {
  const bool durable = outlet_.sync(timeout);
  const int64_t lost = lost_.load();
  const bool none_lost = lost == lost_seen_;
  lost_seen_ = lost;
  return durable && none_lost;
}

void ListenerPipeline::countFailure(const Error& error) {
  lost_.fetch_add(1);
  if (error.code == ErrorCode::kUnavailable) {
    full_drops_->Increment();
    return;
  }
  outlet_errors_->Increment();
  const int64_t now = clock_.nowMicros();
  int64_t prev = last_error_log_us_.load();
  if (now - prev < 1000000 || !last_error_log_us_.compare_exchange_strong(prev, now)) return;
  logging::get("collector")->error("Could not hand an event over; it is lost. listener={} error={}", name_,
                                   error.toString());
}

}  // namespace hinomi::collector
