#include "common/config/hinomi_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <librdkafka/rdkafka.h>
#include <spdlog/common.h>

#include "common/config/yaml_files.h"

namespace hinomi::config {
namespace {

Schema<LogOptions> logSchema() {
  Schema<LogOptions> s;
  s.text("level", &LogOptions::level, "Least severe log level written to stderr",
         {"trace", "debug", "info", "warn", "error", "critical", "off"});
  return s;
}

Schema<HttpOptions> httpSchema() {
  Schema<HttpOptions> s;
  s.text("listen", &HttpOptions::listen,
         "host:port of the HTTP server (/metrics, /healthz; later ingest, API, console). "
         "Port 0 picks a free port and logs it");
  s.check([](const HttpOptions& o, const YAML::Node& n, Diagnostics& d) {
    if (!parseHostPort(o.listen)) {
      YAML::Node at = n && n.IsMap() && n["listen"] ? n["listen"] : n;
      d.error(at, "http.listen: '" + o.listen + "' is not host:port with a port 0..65535");
    }
  });
  return s;
}

Schema<bus::EmbeddedBusOptions> embeddedSchema() {
  using O = bus::EmbeddedBusOptions;
  Schema<O> s;
  s.choice("fsync", &O::fsync,
           {{"never", bus::FsyncPolicy::kNever},
            {"interval", bus::FsyncPolicy::kInterval},
            {"always", bus::FsyncPolicy::kAlways}},
           "When the log is fsynced. A record reported delivered survives kill -9 under every "
           "policy; 'interval' loses at most fsync_interval_ms of it on power loss, 'always' none");
  s.integer("fsync_interval_ms", &O::fsync_interval_ms, 1, 3600000, "fsync period with fsync: interval");
  s.integer("max_queued_records", &O::max_queued_records, 1, 100000000,
            "Records waiting to be written before publish refuses more (back-pressure)");
  s.integer("retention_secs", &O::retention_secs, 0, int64_t(100) * 365 * 86400,
            "Records older than this are deleted; 0 keeps everything");
  return s;
}

// librdkafka knows its own properties: ask it, so a typo is caught by `config check`.
void checkLibrdkafka(const BusConfig& b, const YAML::Node& n, Diagnostics& d) {
  YAML::Node kafka = n && n.IsMap() ? n["kafka"] : YAML::Node();
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [key, value] : b.librdkafka) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      YAML::Node at = kafka && kafka.IsMap() && kafka[key] ? kafka[key] : kafka;
      d.error(at, "bus.kafka." + key + ": " + err);
    }
  }
  rd_kafka_conf_destroy(conf);
  if (b.type == BusType::kKafka && !b.librdkafka.count("bootstrap.servers"))
    d.error(n && n.IsMap() && n["type"] ? n["type"] : n,
            "bus.type is kafka but bus.kafka has no bootstrap.servers");
}

Schema<BusConfig> busSchema() {
  Schema<BusConfig> s;
  s.choice("type", &BusConfig::type, {{"embedded", BusType::kEmbedded}, {"kafka", BusType::kKafka}},
           "The bus between the roles: embedded (RocksDB under data_dir) or kafka");
  s.integer("default_partitions", &BusConfig::default_partitions, 1, 1024,
            "Partitions of the topics hinomi creates (an existing topic keeps its count)");
  s.section("embedded", &BusConfig::embedded, embeddedSchema(), "Options of the embedded bus");
  s.textMap("kafka", &BusConfig::librdkafka,
            "librdkafka properties, passed through as they are (bootstrap.servers, "
            "security.protocol, sasl.*, ssl.* …); ${ENV} is expanded so secrets stay out of files");
  s.check(checkLibrdkafka);
  return s;
}

Schema<TopicNames> topicsSchema() {
  Schema<TopicNames> s;
  s.text("events", &TopicNames::events, "Normalised events, key tenant|host");
  s.text("matches", &TopicNames::matches, "Rule matches for stateful correlation, key tenant|rule|group");
  s.text("incidents", &TopicNames::incidents, "Incidents, key incident id");
  return s;
}

Schema<ApiOptions> apiSchema() {
  Schema<ApiOptions> s;
  s.text("users", &ApiOptions::users,
         "Users file: each user's role (viewer, responder, approver, admin), tenants, the playbook roles it "
         "approves as, and the SHA-256 of its token (docs/api.md). Relative to this file. Empty: no API");
  s.boolean("secure_cookies", &ApiOptions::secure_cookies,
            "The console's session cookie carries Secure (sent over HTTPS only; browsers also take it from "
            "http://localhost). Turn off only for a plain-HTTP console on a trusted network");
  return s;
}

Schema<HinomiConfig> rootSchema() {
  Schema<HinomiConfig> s;
  s.text("data_dir", &HinomiConfig::data_dir,
         "Directory for hinomi's state (embedded bus, windows, cases, audit log); relative to the "
         "working directory; --data-dir overrides it");
  s.section("log", &HinomiConfig::log, logSchema(), "Logging");
  s.section("http", &HinomiConfig::http, httpSchema(), "The HTTP server");
  s.section("bus", &HinomiConfig::bus, busSchema(), "The bus between collector, correlator and responder");
  s.section("topics", &HinomiConfig::topics, topicsSchema(), "Topic names");
  s.section("collector", &HinomiConfig::collector, collectorSchema(), "Listeners and the spool");
  s.section("correlator", &HinomiConfig::correlator, correlatorSchema(), "Decoders and detection rules");
  s.section("api", &HinomiConfig::api, apiSchema(), "The REST API under /api/v1 (docs/api.md)");
  s.section("responder", &HinomiConfig::responder, responderSchema(),
            "Cases and their playbooks: notifications, containment limits, retries");
  s.textList("tenants", &HinomiConfig::tenants,
             "Directories of tenant policy files (*.yaml, one tenant per file; docs/policy.md): each "
             "tenant's zones and allowed zone pairs, from which events get source.zone, "
             "destination.zone and flow.allowed. Relative paths as for correlator.decoders; the "
             "default directory may be absent (no enrichment), one named here must exist");
  s.textList("playbooks", &HinomiConfig::playbooks,
             "Directories of playbook files (*.yaml; docs/playbooks.md): each incident category's "
             "緊急時対応計画 (contacts by role, report items, response steps, 再発防止 record). "
             "Relative paths as for correlator.decoders; the default directory may be absent, one "
             "named here must exist");
  return s;
}
}  // namespace

HinomiConfig loadConfigText(const std::string& text, Diagnostics& diag, const std::string& base_dir) {
  HinomiConfig cfg;
  cfg.source = diag.file();
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    diag.error(e.mark, "YAML syntax: " + e.msg);
    return cfg;
  }
  rootSchema().load(root, cfg, diag);
  const YAML::Node& top = root;
  if (top.IsMap()) {
    resolveCorrelatorPaths(cfg.correlator, top["correlator"], base_dir);
    if (top["tenants"]) {
      cfg.tenants_in_file = true;
      if (!base_dir.empty())
        for (auto& d : cfg.tenants)
          if (!d.empty() && std::filesystem::path(d).is_relative()) d = (std::filesystem::path(base_dir) / d).string();
    }
    if (top["api"] && !base_dir.empty() && !cfg.api.users.empty() &&
        std::filesystem::path(cfg.api.users).is_relative())
      cfg.api.users = (std::filesystem::path(base_dir) / cfg.api.users).string();
    if (top["playbooks"]) {
      cfg.playbooks_in_file = true;
      if (!base_dir.empty())
        for (auto& d : cfg.playbooks)
          if (!d.empty() && std::filesystem::path(d).is_relative()) d = (std::filesystem::path(base_dir) / d).string();
    }
  }
  cfg.bus.embedded.default_partitions = cfg.bus.default_partitions;
  cfg.bus.kafka.librdkafka = cfg.bus.librdkafka;
  cfg.bus.embedded.path = cfg.embeddedBusPath();
  return cfg;
}

HinomiConfig loadConfigFile(const std::string& path, Diagnostics& diag) {
  auto text = readWholeFile(path);
  if (!text) {
    diag.error(YAML::Mark::null_mark(), "cannot read the file");
    HinomiConfig cfg;
    cfg.source = path;
    return cfg;
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  return loadConfigText(*text, diag, dir.empty() ? "." : dir);
}

std::vector<OptionDoc> documentConfig() {
  std::vector<OptionDoc> out;
  HinomiConfig defaults;
  rootSchema().document(out, "", defaults);
  return out;
}

std::optional<HostPort> parseHostPort(const std::string& text) {
  HostPort hp;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    hp.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return std::nullopt;
    hp.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (hp.host.empty() || port.empty() || port.size() > 5) return std::nullopt;
  for (char c : port)
    if (c < '0' || c > '9') return std::nullopt;
  hp.port = std::stoi(port);
  if (hp.port > 65535) return std::nullopt;
  return hp;
}

}  // namespace hinomi::config
