#include "collector/collector.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "collector/framing/auto_framer.h"
#include "collector/sources/file_tail_source.h"
#include "collector/sources/tcp_syslog_source.h"
#include "collector/sources/udp_syslog_source.h"
#include "common/logging.h"

namespace hinomi::collector {

namespace {

Result<std::unique_ptr<DiskSpool>> openSpool(const config::HinomiConfig& config) {
  SpoolOptions spool_options;
  spool_options.name = "collector";
  spool_options.path = config.spoolPath();
  spool_options.max_bytes = config.collector.spool.max_bytes;
  spool_options.fsync = config.bus.embedded.fsync;
  spool_options.fsync_interval_ms = config.bus.embedded.fsync_interval_ms;
  return DiskSpool::open(spool_options);
}

}  // namespace

Result<std::unique_ptr<Collector>> Collector::start(const config::HinomiConfig& config, bus::Bus& bus,
                                                   HttpServer* http) {
  std::unique_ptr<Collector> c(new Collector());
  // The embedded bus is a durable log on local disk: events go straight onto it. A remote bus
  // gets the spool in front. A spool left from a run on Kafka is still drained onto whatever bus
  // this run has, so switching the bus type loses nothing.
  const bool direct = bus.kind() == "embedded";
  std::error_code ec;
  if (!direct || std::filesystem::exists(config.spoolPath(), ec)) {
    auto spool = openSpool(config);
    if (!spool) return tl::unexpected(spool.error());
    c->spool_ = std::move(*spool);
    if (direct && c->spool_->count() > 0)
      logging::get("collector")->info("Draining {} events left in the spool onto the {} bus", c->spool_->count(),
                                      bus.kind());
    c->drainer_ = std::make_unique<SpoolDrainer>(*c->spool_, bus);
    c->drainer_->start();
  }

  for (const auto& l : config.collector.listeners) {
    const bool stream = l.transport != "udp";  // tcp, tls and file wait for room
    if (direct)
      c->outlets_.push_back(std::make_unique<BusOutlet>(bus, config.topics.events, l.name));
    else
      c->outlets_.push_back(std::make_unique<SpoolOutlet>(*c->spool_, config.topics.events));
    auto pipeline = ListenerPipeline::create(l, *c->outlets_.back(), /*block_when_full=*/stream);
    if (!pipeline) return tl::unexpected(pipeline.error());
    if (l.transport == "http") {  // served by the HTTP server: no source of its own
      if (!c->http_ingest_) c->http_ingest_ = std::make_shared<HttpIngest>();
      c->http_ingest_->addListener(l, **pipeline);
      c->pipelines_.push_back(std::move(*pipeline));
      continue;
    }
    std::unique_ptr<Source> source;
    if (l.transport == "file") {
      FileTailOptions o;
      o.name = l.name;
      o.path = l.path;
      o.position_path = config.tailPositionPath(l.name);
      o.poll_interval_ms = l.poll_interval_ms;
      o.start_at_end = l.start_at == "end";
      o.max_message_bytes = l.max_message_bytes;
      // The position is saved only once what was read is durable (the bus writes asynchronously).
      source = std::make_unique<FileTailSource>(o, (*pipeline)->sink(), [p = pipeline->get()] {
        return p->sync(std::chrono::seconds(10));
      });
    } else if (stream) {
      TcpSourceOptions o;
      o.name = l.name;
      o.listen = l.listen;
      o.max_connections = l.max_connections;
      if (l.transport == "tls") o.tls = l.tls;
      const size_t max = size_t(l.max_message_bytes);
      source = std::make_unique<TcpSyslogSource>(o, [max] { return std::make_unique<AutoFramer>(max); },
                                                 (*pipeline)->sink());
    } else {
      UdpSourceOptions o;
      o.name = l.name;
      o.listen = l.listen;
      o.max_message_bytes = l.max_message_bytes;
      o.receive_buffer_bytes = l.receive_buffer_bytes;
      source = std::make_unique<UdpSyslogSource>(o, (*pipeline)->sink());
    }
    c->pipelines_.push_back(std::move(*pipeline));
    if (auto st = source->start(); !st) return tl::unexpected(st.error());
    c->sources_.push_back(std::move(source));
  }
  if (c->http_ingest_) {
    if (http == nullptr) return makeError(ErrorCode::kConfig, "http listeners need the HTTP server");
    c->http_ingest_->registerRoutes(http->routes());
  }
  return c;
}

Collector::~Collector() { stop(); }

void Collector::stop() {
  if (http_ingest_) http_ingest_->stop();  // answers 503 from now on
  for (auto& p : pipelines_) p->stop();
  for (auto& s : sources_) s->stop();
  for (auto& o : outlets_) o->sync(std::chrono::seconds(10));
  if (!drainer_) return;
  // A clean stop hands what was accepted to the bus when it can (bounded: the bus may be down,
  // and then the rest waits in the spool for the next start).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (spool_->count() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  drainer_->stop();
  drainer_.reset();
}

int Collector::port(const std::string& listener) const {
  for (const auto& s : sources_)
    if (s->name() == listener) return s->port();
  return 0;
}

}  // namespace hinomi::collector
