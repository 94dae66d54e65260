#pragma once
// The server side of RFC 5425 (syslog over TLS): one SSL_CTX per listener, built from its
// certificate, key and (for mutual TLS) the CA that signs client certificates.

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "common/config/collector_options.h"
#include "common/result.h"

namespace hinomi::collector {

class TlsContext {
 public:
  // Loads the files and checks the key matches the certificate. Errors name the listener, the
  // file and OpenSSL's reason (never key material or passwords).
  [[nodiscard]] static Result<std::shared_ptr<TlsContext>> create(const std::string& listener,
                                                                  const config::ListenerTlsOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

// OpenSSL's reasons queued on this thread, "; "-joined (and the queue emptied); `fallback` when none.
std::string takeOpenSslErrors(const std::string& fallback);

}  // namespace hinomi::collector
