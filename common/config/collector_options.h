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

struct ListenerOptions {
  std::string name;
  std::string transport = "udp";      // udp | tcp | http
  std::string listen = "127.0.0.1:5514";  // udp, tcp (http listeners are served on http.listen)
  std::string format = "auto";        // auto | rfc5424 | rfc3164 | cef | kv | json
  std::string tenant = "default";     // the tenant when no route matches
  std::vector<TenantRoute> tenant_by_source;
  int64_t max_message_bytes = 65536;
  int64_t max_connections = 1024;     // tcp
  std::string utc_offset = "+09:00";  // for timestamps without a zone (RFC 3164, Cisco)
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
