#pragma once
// Options of the collector: its listeners, how each assigns a tenant, and its spool.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/config/schema.h"

namespace hinomi::config {

// A sender whose address is in `cidr` belongs to `tenant` (longest prefix wins).
struct TenantRoute {
  std::string cidr;
  std::string tenant;
};

// transport: tls (RFC 5425). Paths are PEM files; a key must not be encrypted.
struct ListenerTlsOptions {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;                // set: client certificates are requested and verified (mTLS)
  bool require_client_cert = true;    // with ca_file: refuse clients that present none
  std::string min_version = "1.2";    // 1.2 | 1.3
};

struct ListenerOptions {
  std::string name;
  std::string transport = "udp";      // udp | tcp | tls | file | http
  std::string listen = "127.0.0.1:5514";  // udp, tcp, tls (http listeners are served on http.listen)
  std::string format = "auto";        // auto | rfc5424 | rfc3164 | cef | kv | json
  std::string tenant = "default";     // the tenant when no route matches
  std::vector<TenantRoute> tenant_by_source;
  int64_t max_message_bytes = 65536;
  int64_t max_connections = 1024;     // tcp
  int64_t receive_buffer_bytes = 8 << 20;  // udp: SO_RCVBUF(FORCE)
  int64_t rate_limit_per_source = 0;  // messages/s per sender address (file: per listener); 0 = none
  int64_t rate_limit_burst = 0;       // bucket size; 0 = one second's worth, tls
  std::string utc_offset = "+09:00";  // for timestamps without a zone (RFC 3164, Cisco)
  ListenerTlsOptions tls;             // transport tls only
  std::string path;                   // file: the file to tail
  int64_t poll_interval_ms = 250;     // file
  std::string start_at = "beginning"; // file: beginning | end, for a file with no saved position
  // http: the bearer tokens that select this listener, and the largest request body.
  std::vector<std::string> tokens;
  int64_t max_body_bytes = int64_t(16) << 20;
};

struct SpoolConfig {
  int64_t max_bytes = int64_t(1) << 30;
};

struct CollectorOptions {
  std::vector<ListenerOptions> listeners;
  SpoolConfig spool;
};

Schema<CollectorOptions> collectorSchema();

// "+09:00" → 32400; nullopt when malformed.
std::optional<int32_t> parseUtcOffset(const std::string& text);

}  // namespace hinomi::config
