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
                       .Help("Time a listener spent waiting for spool space (its senders were held back)")
                       .Register(metrics::registry());
  return f;
}

prometheus::Family<prometheus::Counter>& spoolErrorFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_collector_spool_errors_total")
                       .Help("Messages the spool could not store (disk error), per listener")
                       .Register(metrics::registry());
  return f;
}

}  // namespace

Result<std::unique_ptr<ListenerPipeline>> ListenerPipeline::create(const config::ListenerOptions& options,
                                                                   std::string topic, DiskSpool& spool,
                                                                   bool block_when_full, const Clock& clock) {
  auto parser = makeParser(options.format);
  if (!parser) return makeError(ErrorCode::kConfig, options.name + ": unknown format '" + options.format + "'");
  auto offset = config::parseUtcOffset(options.utc_offset);
  if (!offset) return makeError(ErrorCode::kConfig, options.name + ": bad utc_offset '" + options.utc_offset + "'");
  return std::make_unique<ListenerPipeline>(options, std::move(topic), spool, block_when_full,
                                            std::move(parser), *offset, clock);
}

ListenerPipeline::ListenerPipeline(const config::ListenerOptions& options, std::string topic, DiskSpool& spool,
                                   bool block_when_full, std::unique_ptr<Parser> parser, int32_t utc_offset_secs,
                                   const Clock& clock)
    : name_(options.name),
      topic_(std::move(topic)),
      spool_(spool),
      block_when_full_(block_when_full),
      parser_(std::move(parser)),
      tenants_(options.tenant, options.tenant_by_source),
      utc_offset_secs_(utc_offset_secs),
      clock_(clock) {
  malformed_ = &malformedFamily().Add({{"listener", name_}, {"parser", std::string(parser_->name())}});
  spool_full_drops_ = &droppedFamily().Add({{"listener", name_}, {"reason", "spool_full"}});
  spool_errors_ = &spoolErrorFamily().Add({{"listener", name_}});
  backpressure_seconds_ = &backpressureFamily().Add({{"listener", name_}});
}

void ListenerPipeline::onMessage(const ReceivedMessage& m) {
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

  std::string json = toJson(e);
  key_.assign(e.tenant).append("|").append(e.host);
  auto appended = spool_.append(topic_, key_, json);
  if (!appended && appended.error().code == ErrorCode::kUnavailable && block_when_full_) {
    // Hold this thread (and so the sender) until the drainer frees space.
    auto start = std::chrono::steady_clock::now();
    int64_t need = DiskSpool::entryBytes(topic_, key_, json);
    while (!appended && appended.error().code == ErrorCode::kUnavailable && !stopping_.load()) {
      spool_.waitForSpace(need, std::chrono::milliseconds(500));
      appended = spool_.append(topic_, key_, json);
    }
    backpressure_seconds_->Increment(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (!appended) {
    if (appended.error().code == ErrorCode::kUnavailable) {
      spool_full_drops_->Increment();
    } else {
      spool_errors_->Increment();
      int64_t now = clock_.nowMicros();
      if (now - last_error_log_us_ < 1000000) return;
      last_error_log_us_ = now;
      logging::get("collector")->error("Spool write failed; message lost. listener={} error={}", name_,
                                       appended.error().toString());
    }
  }
}

}  // namespace hinomi::collector
