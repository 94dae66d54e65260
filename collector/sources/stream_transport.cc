#include "collector/sources/stream_transport.h"

#include <openssl/err.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "collector/sources/tls_context.h"

namespace hinomi::collector {
namespace {

class PlainTransport final : public StreamTransport {
 public:
  explicit PlainTransport(int fd) : fd_(fd) {}
  TransportRead read(char* buf, size_t size) override {
    ssize_t got = ::read(fd_, buf, size);
    if (got > 0) return {TransportRead::kData, size_t(got), {}};
    if (got == 0) return {TransportRead::kEnd, 0, {}};
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {};
    return {TransportRead::kError, 0, std::strerror(errno)};
  }

 private:
  int fd_;
};

class TlsTransport final : public StreamTransport {
 public:
  TlsTransport(SSL_CTX* ctx, int fd) : ssl_(SSL_new(ctx)) {
    if (ssl_ != nullptr) {
      SSL_set_fd(ssl_, fd);
      SSL_set_accept_state(ssl_);
    }
  }
  ~TlsTransport() override {
    if (ssl_ != nullptr) SSL_free(ssl_);
  }

  TransportRead read(char* buf, size_t size) override {
    if (ssl_ == nullptr) return {TransportRead::kHandshakeFailed, 0, "cannot create a TLS session"};
    want_write_ = false;
    // The error queue is per thread and shared by every connection on it: start each call clean.
    ERR_clear_error();
    if (!established_) {
      int r = SSL_do_handshake(ssl_);
      if (r != 1) return failure(r, /*handshake=*/true);
      established_ = true;
    }
    ERR_clear_error();
    int r = SSL_read(ssl_, buf, int(size > 1 << 30 ? 1 << 30 : size));
    if (r > 0) return {TransportRead::kData, size_t(r), {}};
    return failure(r, /*handshake=*/false);
  }

  bool wantsWrite() const override { return want_write_; }
  bool hasBuffered() const override { return ssl_ != nullptr && established_ && SSL_has_pending(ssl_) == 1; }

  void shutdown() override {
    if (ssl_ == nullptr || !established_ || broken_) return;
    ERR_clear_error();
    SSL_shutdown(ssl_);  // non-blocking: sends close_notify if the socket takes it; no wait for the reply
    ERR_clear_error();
  }

 private:
  TransportRead failure(int r, bool handshake) {
    const int saved_errno = errno;  // before anything else can change it
    const int err = SSL_get_error(ssl_, r);
    switch (err) {
      case SSL_ERROR_WANT_READ:
        return {};
      case SSL_ERROR_WANT_WRITE:
        want_write_ = true;
        return {};
      default:
        break;
    }
    broken_ = true;  // after SSL_ERROR_SYSCALL or SSL_ERROR_SSL no further SSL calls but free
    const bool closed = err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && (r == 0 || saved_errno == 0));
    // A connection closed before it sent anything (a port check, a load balancer's probe) is no
    // failed handshake.
    if (closed && (!handshake || BIO_number_read(SSL_get_rbio(ssl_)) == 0)) {
      ERR_clear_error();
      return {TransportRead::kEnd, 0, {}};
    }
    std::string reason;
    if (closed) {
      reason = takeOpenSslErrors("connection closed during the handshake");
    } else if (err == SSL_ERROR_SYSCALL) {
      reason = takeOpenSslErrors(std::strerror(saved_errno));
    } else {
      reason = takeOpenSslErrors("TLS error " + std::to_string(err));
    }
    const long verified = SSL_get_verify_result(ssl_);
    if (handshake && verified != X509_V_OK)
      reason += " (client certificate: " + std::string(X509_verify_cert_error_string(verified)) + ")";
    return {handshake ? TransportRead::kHandshakeFailed : TransportRead::kError, 0, reason};
  }

  SSL* ssl_;
  bool established_ = false;
  bool want_write_ = false;
  bool broken_ = false;
};

}  // namespace

std::unique_ptr<StreamTransport> plainTransport(int fd) { return std::make_unique<PlainTransport>(fd); }

std::unique_ptr<StreamTransport> tlsTransport(SSL_CTX* ctx, int fd) { return std::make_unique<TlsTransport>(ctx, fd); }

}  // namespace hinomi::collector
