#include "common/config/collector_options.h"

#include <arpa/inet.h>

#include <set>

#include "common/config/hinomi_config.h"

namespace hinomi::config {
namespace {

bool validCidr(const std::string& text) {
  auto slash = text.find('/');
  std::string addr = text.substr(0, slash);
  unsigned char buf[16];
  int max_bits;
  if (inet_pton(AF_INET, addr.c_str(), buf) == 1) max_bits = 32;
  else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) max_bits = 128;
  else return false;
  if (slash == std::string::npos) return true;
  std::string bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 3 || bits.find_first_not_of("0123456789") != std::string::npos) return false;
  return std::stoi(bits) <= max_bits;
}

// Letters, digits, '.', '_', '-', not starting with '.': usable as a file name as it is.
bool safeFileName(const std::string& name) {
  static const char kAllowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
  return !name.empty() && name[0] != '.' && name.find_first_not_of(kAllowed) == std::string::npos;
}

Schema<TenantRoute> routeSchema() {
  Schema<TenantRoute> s;
  s.text("cidr", &TenantRoute::cidr, "Sender addresses, e.g. 10.10.0.0/16 or 2001:db8::/32");
  s.text("tenant", &TenantRoute::tenant, "Tenant of the senders in cidr");
  s.check([](const TenantRoute& r, const YAML::Node& n, Diagnostics& d) {
    if (!validCidr(r.cidr)) d.error(n && n.IsMap() && n["cidr"] ? n["cidr"] : n, "cidr: '" + r.cidr + "' is not an IP prefix");
    if (r.tenant.empty()) d.error(n, "tenant_by_source: every route needs a tenant");
  });
  return s;
}

Schema<ListenerTlsOptions> tlsSchema() {
  using T = ListenerTlsOptions;
  Schema<T> s;
  s.text("cert_file", &T::cert_file, "PEM file with the server certificate (and its chain)");
  s.text("key_file", &T::key_file, "PEM file with the server's private key (not encrypted)");
  s.text("ca_file", &T::ca_file,
         "PEM file of the CA(s) that sign client certificates; when set, clients are asked for a "
         "certificate and it is verified (mutual TLS)");
  s.boolean("require_client_cert", &T::require_client_cert,
            "With ca_file: refuse clients without a certificate (false: verify one if presented)");
  s.text("min_version", &T::min_version, "Oldest TLS version accepted", {"1.2", "1.3"});
  s.check([](const T& t, const YAML::Node& n, Diagnostics& d) {
    if (!n || !n.IsMap()) return;
    if (t.cert_file.empty()) d.error(n, "tls: cert_file is required");
    if (t.key_file.empty()) d.error(n, "tls: key_file is required");
    if (t.ca_file.empty() && n["require_client_cert"] && t.require_client_cert)
      d.error(n["require_client_cert"], "tls.require_client_cert: needs ca_file to verify client certificates against");
  });
  return s;
}

// An http listener is reached through the process's HTTP server and told apart by its tokens.
void checkHttpListener(const ListenerOptions& l, const YAML::Node& n, Diagnostics& d) {
  auto at = [&](const char* key) { return n && n.IsMap() && n[key] ? n[key] : n; };
  if (l.tokens.empty())
    d.error(at("tokens"), "listener '" + l.name + "': transport http needs at least one bearer token in tokens");
  for (const auto& t : l.tokens)
    if (t.empty()) d.error(at("tokens"), "listener '" + l.name + "': a token is empty (an empty ${ENV}?)");
  if (n && n.IsMap() && n["listen"])
    d.error(n["listen"], "listen: does not apply to transport http (it is served on http.listen)");
  if (l.format != "json" && l.format != "auto")
    d.error(at("format"), "format: transport http takes JSON only (json)");
}

Schema<ListenerOptions> listenerSchema() {
  using L = ListenerOptions;
  Schema<L> s;
  s.text("name", &L::name, "Name of the listener: the `listener` of its events and the label of its metrics");
  s.text("transport", &L::transport,
         "How messages arrive: datagrams, a stream (tcp is RFC 6587, tls is RFC 5425: needs the tls "
         "section, see docs/collector.md), lines appended to a file, or POST /v1/events on the HTTP "
         "server (http)",
         {"udp", "tcp", "tls", "file", "http"});
  s.text("listen", &L::listen, "host:port to bind (udp, tcp, tls; not used by file; http listeners are served on http.listen)");
  s.text("format", &L::format, "Message format; auto detects it per message (http listeners take JSON: auto or json)",
         {"auto", "rfc5424", "rfc3164", "cef", "kv", "json"});
  s.text("tenant", &L::tenant, "Tenant of the events (when no tenant_by_source route matches)");
  s.list("tenant_by_source", &L::tenant_by_source, routeSchema(),
         "Tenant by sender address; the longest matching prefix wins");
  s.integer("max_message_bytes", &L::max_message_bytes, 256, 16 << 20,
            "Longer messages are kept truncated to this and counted (dropped_total{reason=oversize})");
  s.integer("max_connections", &L::max_connections, 1, 1000000,
            "TCP and TLS: connections beyond this are closed at once");
  s.integer("receive_buffer_bytes", &L::receive_buffer_bytes, 65536, 1 << 30,
            "UDP: the socket's receive buffer, which absorbs bursts (over net.core.rmem_max only with "
            "CAP_NET_ADMIN); overflows count as dropped_total{reason=udp_overflow}");
  s.integer("rate_limit_per_source", &L::rate_limit_per_source, 0, 10000000,
            "Messages a second each sender address may send on average (a file listener: the file); "
            "more are dropped and counted (dropped_total{reason=rate_limit}); 0: no limit");
  s.integer("rate_limit_burst", &L::rate_limit_burst, 0, 100000000,
            "How many messages a sender may send at once above its rate; 0: one second's worth");
  s.text("utc_offset", &L::utc_offset, "Offset of local time for timestamps without a zone, e.g. +09:00");
  s.section("tls", &L::tls, tlsSchema(), "transport tls: the server certificate and client verification");
  s.text("path", &L::path, "File: the file to tail, one line per message (required for transport file)");
  s.integer("poll_interval_ms", &L::poll_interval_ms, 10, 60000,
            "File: how often the file is checked for new lines, rotation and truncation");
  s.text("start_at", &L::start_at,
         "File: where to start in a file that has no saved position and exists at the first start "
         "(a file created later is always read from its beginning)",
         {"beginning", "end"});
  s.textList("tokens", &L::tokens,
             "http: bearer tokens accepted for this listener (at least one; use ${ENV} to keep them "
             "out of the file); the token of a request selects its listener");
  s.integer("max_body_bytes", &L::max_body_bytes, 1024, int64_t(1) << 30,
            "http: larger request bodies (and events over max_message_bytes) are refused with 413");
  s.check([](const L& l, const YAML::Node& n, Diagnostics& d) {
    auto at = [&](const char* key) { return n && n.IsMap() && n[key] ? n[key] : n; };
    if (l.name.empty()) d.error(n, "a listener needs a name");
    if (l.transport == "http") checkHttpListener(l, n, d);
    if (l.transport == "file") {
      if (l.path.empty()) d.error(at("transport"), "transport file needs a path");
      if (!l.tenant_by_source.empty())
        d.error(at("tenant_by_source"), "tenant_by_source: lines from a file have no sender address; use tenant");
      // The name names the position file under data_dir/tail/.
      if (!l.name.empty() && !safeFileName(l.name))
        d.error(at("name"), "name: '" + l.name + "' names a position file: use letters, digits, '.', '_', '-'");
    } else {
      if (!l.path.empty()) d.error(at("path"), "path: only for transport file");
      if (!parseHostPort(l.listen)) d.error(at("listen"), "listen: '" + l.listen + "' is not host:port");
    }
    if (!parseUtcOffset(l.utc_offset)) d.error(at("utc_offset"), "utc_offset: '" + l.utc_offset + "' is not ±hh:mm");
    const bool has_tls = n && n.IsMap() && n["tls"] && !n["tls"].IsNull();
    if (l.transport == "tls" && !has_tls)
      d.error(at("transport"), "transport tls needs a tls section with cert_file and key_file");
    if (l.transport != "tls" && has_tls) d.error(at("tls"), "tls: only for transport tls");
  });
  return s;
}

Schema<SpoolConfig> spoolSchema() {
  Schema<SpoolConfig> s;
  s.integer("max_bytes", &SpoolConfig::max_bytes, 1 << 20, int64_t(1) << 44,
            "Disk the spool may use while Kafka is down; when full, TCP is back-pressured and "
            "UDP drops are counted");
  return s;
}

}  // namespace

Schema<CollectorOptions> collectorSchema() {
  Schema<CollectorOptions> s;
  s.list("listeners", &CollectorOptions::listeners, listenerSchema(), "Where syslog and device events arrive");
  s.section("spool", &CollectorOptions::spool, spoolSchema(), "The disk spool in front of Kafka (bus.type kafka; the embedded bus is written directly)");
  s.check([](const CollectorOptions& c, const YAML::Node& n, Diagnostics& d) {
    std::set<std::string> names;
    YAML::Node list = n && n.IsMap() ? n["listeners"] : YAML::Node();
    for (size_t i = 0; i < c.listeners.size(); ++i)
      if (!c.listeners[i].name.empty() && !names.insert(c.listeners[i].name).second)
        d.error(list && list.IsSequence() && i < list.size() ? list[i] : n,
                "listener name '" + c.listeners[i].name + "' is used twice");
    // A token selects its listener, so it may belong to one only.
    std::set<std::string> tokens;
    for (size_t i = 0; i < c.listeners.size(); ++i)
      for (const auto& t : c.listeners[i].tokens)
        if (c.listeners[i].transport == "http" && !t.empty() && !tokens.insert(t).second)
          d.error(list && list.IsSequence() && i < list.size() ? list[i] : n,
                  "listener '" + c.listeners[i].name + "': a token is used by another http listener");
  });
  return s;
}

std::optional<int32_t> parseUtcOffset(const std::string& t) {
  if (t == "Z" || t == "UTC") return 0;
  if (t.size() != 6 || (t[0] != '+' && t[0] != '-') || t[3] != ':') return std::nullopt;
  for (size_t i : {1u, 2u, 4u, 5u})
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
  int h = (t[1] - '0') * 10 + (t[2] - '0'), m = (t[4] - '0') * 10 + (t[5] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return (t[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
}

}  // namespace hinomi::config
