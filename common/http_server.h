#pragma once
// The one HTTP server of a hinomi process (cpp-httplib): /metrics and /healthz now; later parts
// register ingest, API and console routes on it before start().

#include <memory>
#include <string>
#include <thread>

#include "common/config/hinomi_config.h"
#include "common/result.h"

namespace httplib {
class Server;
}

namespace hinomi {

class HttpServer {
 public:
  HttpServer();
  ~HttpServer();

  // Routes are added before start(); the server owns them.
  httplib::Server& routes() { return *server_; }

  // Binds host:port (port 0 picks one) and serves on a background thread.
  [[nodiscard]] Status start(const config::HttpOptions& options);
  int port() const { return port_; }
  std::string address() const;
  // Stops accepting, waits for in-flight requests, joins the thread. Idempotent.
  void stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string host_;
  int port_ = 0;
};

}  // namespace hinomi
