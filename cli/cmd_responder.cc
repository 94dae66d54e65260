// hinomi responder: the responder role alone — incidents from topics.incidents into cases, cases
// through their playbooks — for deployments where the collector and correlator run elsewhere and
// the bus is Kafka (docs/playbooks.md). Serves /metrics and /healthz on http.listen.
#include <signal.h>

#include <filesystem>

#include "cli/commands.h"
#include "cli/load_config.h"
#include "common/bus/open_bus.h"
#include "common/http_server.h"
#include "common/logging.h"
#include "console/api/cases_api.h"
#include "playbooks/responder.h"

namespace hinomi::cli {
namespace {

int runResponder(const std::string& path, const std::string& data_dir) {
  auto cfg = loadConfigOrReport(path, data_dir);
  if (!cfg) return 2;
  logging::setLevel(cfg->log.level);
  auto log = logging::get("run");
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread: only sigwait gets them

  std::error_code ec;
  std::filesystem::create_directories(cfg->data_dir, ec);
  auto loaded = loadTenantPoliciesOrReport(*cfg);
  if (!loaded) return 2;
  auto tenants = std::make_shared<const correlator::TenantPolicies>(std::move(*loaded));
  auto bus = bus::openBus(cfg->bus);
  if (!bus) {
    log->error("Cannot open the bus. {}", bus.error().toString());
    return 1;
  }
  if (auto st = (*bus)->ensureTopic(cfg->topics.incidents, cfg->bus.default_partitions); !st) {
    log->error("Cannot create topic. topic={} error={}", cfg->topics.incidents, st.error().toString());
    return 1;
  }
  auto responder = playbooks::Responder::start(*cfg, **bus, tenants);
  if (!responder) {
    log->error("Cannot start the responder. {}", responder.error().toString());
    return 1;
  }
  HttpServer http;
  console::CasesApiContext api;  // the REST API over the cases, when api.users is set (docs/api.md)
  if (auto mounted = console::mountConfiguredApi(*cfg, http, **responder, api); !mounted) {
    log->error("Cannot load the API users. {}", mounted.error().toString());
    return 2;
  }
  if (auto st = http.start(cfg->http); !st) {
    log->error("Cannot start the HTTP server. {}", st.error().toString());
    return 1;
  }
  log->info("hinomi responder running. config={} bus={} data_dir={} http={}", cfg->source, (*bus)->kind(),
            cfg->data_dir, http.address());
  int sig = 0;
  sigwait(&signals, &sig);
  log->info("Shutting down. signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
  if (api.events) api.events->closeAll();  // live streams end, so the server's handlers return
  http.stop();  // first: the API's handlers use the responder's store
  (*responder)->stop();
  responder->reset();
  bus->reset();
  log->info("Stopped cleanly.");
  return 0;
}

}  // namespace

void addResponderCommand(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("responder", "Run the responder alone: incidents from the bus into cases and playbooks");
  auto path = std::make_shared<std::string>();
  auto data_dir = std::make_shared<std::string>();
  sub->add_option("-c,--config", *path, "Configuration file (default: the embedded one)");
  sub->add_option("--data-dir", *data_dir, "Overrides data_dir of the configuration");
  sub->callback([path, data_dir, &exit_code] { exit_code = runResponder(*path, *data_dir); });
}

}  // namespace hinomi::cli
