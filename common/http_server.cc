#include "common/http_server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>

#include "common/logging.h"
#include "common/metrics.h"

namespace hinomi {
namespace {

prometheus::Family<prometheus::Counter>& requestFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_http_requests_total")
                       .Help("HTTP requests answered, by status class")
                       .Register(metrics::registry());
  return f;
}

}  // namespace

HttpServer::HttpServer() : server_(std::make_unique<httplib::Server>()) {
  requestFamily();  // registered up front so /metrics lists it before the first request
  server_->Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics::exposition(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  // Labelled by status class only: a path label would let clients mint label values.
  server_->set_logger([](const httplib::Request&, const httplib::Response& res) {
    requestFamily().Add({{"code", std::to_string(res.status / 100) + "xx"}}).Increment();
  });
}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start(const config::HttpOptions& options) {
  auto hp = config::parseHostPort(options.listen);
  if (!hp) return makeError(ErrorCode::kInvalidArgument, "bad listen address '" + options.listen + "'");
  host_ = hp->host;
  if (hp->port == 0) {
    port_ = server_->bind_to_any_port(hp->host);
  } else {
    port_ = server_->bind_to_port(hp->host, hp->port) ? hp->port : -1;
  }
  if (port_ <= 0)
    return makeError(ErrorCode::kIo, "cannot listen on " + options.listen + " (address in use or not local?)");
  auto ended = std::make_shared<std::atomic<bool>>(false);
  thread_ = std::thread([this, ended] {
    server_->listen_after_bind();
    ended->store(true);
  });
  // httplib's stop() is a no-op until the accept loop runs: a SIGTERM right after start would
  // leave stop() returning and join() waiting forever. Return only once the loop is up.
  while (!server_->is_running() && !ended->load())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  logging::get("http")->info("HTTP server listening address={}", address());
  return {};
}

std::string HttpServer::address() const {
  bool v6 = host_.find(':') != std::string::npos;
  return (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

void HttpServer::stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

}  // namespace hinomi
