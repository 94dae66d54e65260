// hinomi run: every role in one process on the configured bus (the embedded one by default).
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/load_config.h"
#include "collector/collector.h"
#include "common/bus/open_bus.h"
#include "common/http_server.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/time.h"
#include "correlator/detection_loader.h"
#include "correlator/detector.h"
#include "console/api/cases_api.h"
#include "playbooks/responder.h"

namespace hinomi::cli {
namespace {

void registerProcessMetrics() {
  prometheus::BuildGauge()
      .Name("hinomi_build_info")
      .Help("Always 1; the version is a label")
      .Register(metrics::registry())
      .Add({{"version", HINOMI_VERSION}})
      .Set(1);
  prometheus::BuildGauge()
      .Name("hinomi_process_start_time_seconds")
      .Help("Start time of the process since the Unix epoch")
      .Register(metrics::registry())
      .Add({})
      .Set(double(SystemClock::instance().nowMicros()) / 1e6);
}

int runAll(const std::string& path, const std::string& data_dir) {
  auto cfg = loadConfigOrReport(path, data_dir);
  if (!cfg) return 2;
  logging::setLevel(cfg->log.level);
  auto log = logging::get("run");

  // Blocked before any thread starts, so only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::error_code ec;
  std::filesystem::create_directories(cfg->data_dir, ec);
  if (ec) {
    log->error("Cannot create the data directory. path={} error={}", cfg->data_dir, ec.message());
    return 1;
  }
  registerProcessMetrics();

  // Tenant policies are the organisation's own configuration: a bad one refuses the start.
  auto loaded_tenants = loadTenantPoliciesOrReport(*cfg);
  if (!loaded_tenants) return 2;
  auto tenants = std::make_shared<const correlator::TenantPolicies>(std::move(*loaded_tenants));

  // Loaded before anything listens, so a rules directory that cannot be read fails the start.
  std::optional<correlator::LoadedDetection> detection;
  if (cfg->correlator.enabled) {
    auto loaded = correlator::loadDetection(cfg->correlator, *logging::get("correlator"));
    if (!loaded) {
      log->error("{}", loaded.error().message);
      return 1;
    }
    detection = std::move(*loaded);
    detection->set.tenants = tenants;
  }

  auto bus = bus::openBus(cfg->bus);
  if (!bus) {
    log->error("Cannot open the bus. {}", bus.error().toString());
    return 1;
  }
  for (const auto* topic : {&cfg->topics.events, &cfg->topics.matches, &cfg->topics.incidents}) {
    if (auto st = (*bus)->ensureTopic(*topic, cfg->bus.default_partitions); !st) {
      log->error("Cannot create topic. topic={} error={}", *topic, st.error().toString());
      return 1;
    }
  }

  // Before the collector: events published from its first moment find their consumer (though
  // none would be lost without it: the group resumes from its committed offsets).
  // Both stages of the correlator (docs/correlator.md): the match stage on the events topic and,
  // with correlation rules, the windows stage on the matches topic, as separate processes would run
  // them on Kafka.
  std::unique_ptr<correlator::Detector> detector, windows;
  if (detection) {
    correlator::DetectorOptions options;
    options.role = correlator::DetectorRole::kMatch;
    options.events_topic = cfg->topics.events;
    options.matches_topic = cfg->topics.matches;
    options.incidents_topic = cfg->topics.incidents;
    options.group = cfg->correlator.group;
    options.batch_size = size_t(cfg->correlator.batch_size);
    options.correlation.allowed_lateness_us = cfg->correlator.allowed_lateness_secs * 1000000;
    options.correlation.max_clock_skew_us = cfg->correlator.max_clock_skew_secs * 1000000;
    options.correlation.max_groups_in_memory = size_t(cfg->correlator.max_groups_in_memory);
    if (detection->set.correlations && !detection->set.correlations->empty()) {
      correlator::DetectorOptions w = options;
      w.role = correlator::DetectorRole::kWindows;
      w.group = cfg->correlator.group + "-windows";
      w.state_path = cfg->correlatorStatePath();
      auto started = correlator::Detector::start(**bus, std::move(w), detection->set);
      if (!started) {
        log->error("Cannot start the correlation windows. {}", started.error().toString());
        return 1;
      }
      windows = std::move(*started);
    }
    auto started = correlator::Detector::start(**bus, std::move(options), detection->set);
    if (!started) {
      log->error("Cannot start the detector. {}", started.error().toString());
      return 1;
    }
    detector = std::move(*started);
  }

  // The responder: incidents into cases, cases through their playbooks (docs/playbooks.md).
  std::unique_ptr<playbooks::Responder> responder;
  if (cfg->responder.enabled) {
    auto started = playbooks::Responder::start(*cfg, **bus, tenants);
    if (!started) {
      log->error("Cannot start the responder. {}", started.error().toString());
      return 1;
    }
    responder = std::move(*started);
  }

  HttpServer http;  // before the collector: its http listeners add their route to it
  // The REST API over the cases (docs/api.md), when a users file says who may use it.
  console::CasesApiContext api;
  if (!cfg->api.users.empty() && !responder) {
    log->error("api.users is set but the responder is not enabled (responder.enabled): the API serves its cases");
    return 2;
  }
  if (responder) {
    auto mounted = console::mountConfiguredApi(*cfg, http, *responder, api);
    if (!mounted) {
      log->error("Cannot load the API users. {}", mounted.error().toString());
      return 2;
    }
    if (*mounted) log->info("API on /api/v1. users={}", api.users.size());
  }
  auto collector = collector::Collector::start(*cfg, **bus, &http);
  if (!collector) {
    log->error("Cannot start the collector. {}", collector.error().toString());
    return 1;
  }

  if (auto st = http.start(cfg->http); !st) {
    log->error("Cannot start the HTTP server. {}", st.error().toString());
    return 1;
  }
  log->info("hinomi running. config={} bus={} data_dir={} http={}", cfg->source, (*bus)->kind(),
            cfg->data_dir, http.address());

  int sig = 0;
  sigwait(&signals, &sig);
  log->info("Shutting down. signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*collector)->stop();  // nothing more is accepted; what is not on the bus yet stays spooled
  collector->reset();
  // Then the detector: what the collector put on the bus is processed, or left uncommitted for
  // the next start.
  if (detector) detector->stop();
  detector.reset();
  if (windows) windows->stop();  // after the matches: what was published is counted, or read again
  windows.reset();
  // Last the responder, so the incidents of the last batches are taken into cases (or read again);
  // the HTTP server before it, as the API's handlers use its store (live streams end first).
  if (api.events) api.events->closeAll();
  http.stop();
  if (responder) responder->stop();
  responder.reset();
  if (auto st = (*bus)->flush(std::chrono::seconds(30)); !st)
    log->warn("Bus flush incomplete. error={}", st.error().toString());
  bus->reset();
  log->info("Stopped cleanly.");
  return 0;
}

}  // namespace

void addRunCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("run", "Run every role in one process (embedded bus by default)");
  auto path = std::make_shared<std::string>();
  auto data_dir = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *path, "Configuration file (default: the embedded config/hinomi.yaml)");
  cmd->add_option("--data-dir", *data_dir, "Overrides data_dir of the configuration");
  cmd->callback([path, data_dir, &exit_code] { exit_code = runAll(*path, *data_dir); });
}

}  // namespace hinomi::cli
