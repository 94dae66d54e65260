#pragma once
// How the TCP source reads one connection's bytes: straight from the socket (RFC 6587) or through
// TLS on the same non-blocking socket (RFC 5425). The source's epoll loop calls read() whenever the
// socket is ready for what the transport waits for (wantsWrite(): writable, else readable).

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <string>

namespace hinomi::collector {

struct TransportRead {
  enum Kind {
    kData,             // `bytes` bytes of the stream are in the buffer
    kWouldBlock,       // nothing now; wait for the socket
    kEnd,              // the sender closed the stream
    kHandshakeFailed,  // TLS: the handshake failed (`error` says why); nothing was received
    kError,            // the connection broke (`error` says why)
  };
  Kind kind = kWouldBlock;
  size_t bytes = 0;
  std::string error;
};

class StreamTransport {
 public:
  virtual ~StreamTransport() = default;
  virtual TransportRead read(char* buf, size_t size) = 0;
  // True while the transport waits for the socket to become writable (a TLS handshake message
  // or key update that did not fit in the socket buffer).
  virtual bool wantsWrite() const { return false; }
  // Bytes already taken from the socket but not yet returned by read(): epoll will not announce
  // them, so the caller must read again.
  virtual bool hasBuffered() const { return false; }
  // Best-effort goodbye before the socket is closed (TLS close_notify).
  virtual void shutdown() {}
};

// Reads the socket `fd` as it is.
std::unique_ptr<StreamTransport> plainTransport(int fd);
// Runs the server side of TLS on `fd` with `ctx` (the handshake happens in the first reads).
// Writes may raise SIGPIPE: the calling thread keeps it blocked.
std::unique_ptr<StreamTransport> tlsTransport(SSL_CTX* ctx, int fd);

}  // namespace hinomi::collector
