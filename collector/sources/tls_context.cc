#include "collector/sources/tls_context.h"

#include <openssl/err.h>

namespace hinomi::collector {

std::string takeOpenSslErrors(const std::string& fallback) {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? fallback : out;
}

Result<std::shared_ptr<TlsContext>> TlsContext::create(const std::string& listener,
                                                       const config::ListenerTlsOptions& o) {
  ERR_clear_error();
  auto fail = [&](const std::string& what) {
    return makeError(ErrorCode::kConfig, listener + ": TLS: " + what + ": " + takeOpenSslErrors("unknown error"));
  };
  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) return fail("cannot create a context");
  std::shared_ptr<TlsContext> ctx(new TlsContext(raw));
  const int min = o.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(raw, min) != 1) return fail("cannot set min_version " + o.min_version);
  if (SSL_CTX_use_certificate_chain_file(raw, o.cert_file.c_str()) != 1)
    return fail("cannot load cert_file " + o.cert_file);
  // An encrypted key would make OpenSSL prompt on the terminal; refuse it instead.
  SSL_CTX_set_default_passwd_cb(raw, [](char*, int, int, void*) { return 0; });
  if (SSL_CTX_use_PrivateKey_file(raw, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return fail("cannot use key_file " + o.key_file + " (an unencrypted PEM key of cert_file)");
  if (SSL_CTX_check_private_key(raw) != 1) return fail("key_file " + o.key_file + " does not match cert_file");
  if (!o.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(raw, o.ca_file.c_str(), nullptr) != 1)
      return fail("cannot load ca_file " + o.ca_file);
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.ca_file.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(raw, names);  // the CAs named to clients
    int mode = SSL_VERIFY_PEER | (o.require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
    SSL_CTX_set_verify(raw, mode, nullptr);
  }
  long opts = SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE;
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
  // Senders (rsyslog among them) often close without close_notify; that is the end of the
  // stream, not an error (syslog frames carry their own boundaries).
  opts |= SSL_OP_IGNORE_UNEXPECTED_EOF;
#endif
  SSL_CTX_set_options(raw, opts);
  SSL_CTX_set_mode(raw, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // A syslog stream is one long session; resumption buys little and needs a cache.
  SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(raw, 0);
  ERR_clear_error();
  return ctx;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

}  // namespace hinomi::collector
