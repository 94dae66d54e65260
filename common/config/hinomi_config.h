#pragma once
// The top-level configuration (config/hinomi.yaml) and its loader. Later parts add their sections
// here, each with its own option table.

#include <optional>
#include <string>
#include <vector>

#include "common/bus/bus_options.h"
#include "common/config/collector_options.h"
#include "common/config/correlator_options.h"
#include "common/config/responder_options.h"
#include "common/config/diagnostics.h"
#include "common/config/schema.h"

namespace hinomi::config {

struct LogOptions {
  std::string level = "info";
};

struct HttpOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one (tests)
};

// The REST API (console/api/): who may use it. Empty: the API is not served.
struct ApiOptions {
  std::string users;  // a users file (console/api/api_users.h)
  bool secure_cookies = true;
};

enum class BusType { kEmbedded, kKafka };

struct BusConfig {
  BusType type = BusType::kEmbedded;
  int32_t default_partitions = 4;
  bus::EmbeddedBusOptions embedded;  // `path` is filled from data_dir, not from YAML
  std::map<std::string, std::string> librdkafka;  // YAML `bus.kafka`, copied into kafka below
  bus::KafkaBusOptions kafka;
};

struct TopicNames {
  std::string events = "hinomi.events";
  std::string matches = "hinomi.matches";
  std::string incidents = "hinomi.incidents";
};

struct HinomiConfig {
  std::string source;  // the file it came from ("<embedded>" for the built-in default)
  std::string data_dir = "data";
  LogOptions log;
  HttpOptions http;
  BusConfig bus;
  TopicNames topics;
  CollectorOptions collector;
  CorrelatorOptions correlator;
  ResponderOptions responder;
  ApiOptions api;
  // Directories of tenant policy files (docs/policy.md), for zone enrichment.
  std::vector<std::string> tenants = {"config/tenants"};
  // Whether the file named `tenants` itself: a directory it names must exist, while the default
  // one may be absent (then no tenant has a policy and nothing is enriched).
  bool tenants_in_file = false;
  // Directories of playbook files (docs/playbooks.md); the default one may be absent.
  std::vector<std::string> playbooks = {"config/playbooks"};
  bool playbooks_in_file = false;

  std::string embeddedBusPath() const { return data_dir + "/bus"; }
  std::string spoolPath() const { return data_dir + "/spool"; }
  std::string correlatorStatePath() const { return data_dir + "/correlator"; }
  // The audit log lives in the responder's store: a case change and its entry are one write.
  std::string auditLogPath() const { return data_dir + "/responder"; }
  std::string responderStatePath() const { return data_dir + "/responder"; }
  std::string tailPositionPath(const std::string& listener) const { return data_dir + "/tail/" + listener + ".pos"; }
};

// Loads YAML text; `file` names it in errors. Every problem is in `diag`; the config is only
// usable when diag.ok(). Relative correlator and tenants paths in the text are taken from
// `base_dir` (empty: the working directory).
HinomiConfig loadConfigText(const std::string& text, Diagnostics& diag, const std::string& base_dir = "");
// Loads a file (a missing or unreadable file is one error at 1:1).
HinomiConfig loadConfigFile(const std::string& path, Diagnostics& diag);

// Every option of the configuration, for `hinomi config docs`.
std::vector<OptionDoc> documentConfig();

// host:port (or [v6]:port) split; nullopt when malformed.
struct HostPort {
  std::string host;
  int port = 0;
};
std::optional<HostPort> parseHostPort(const std::string& text);

}  // namespace hinomi::config
