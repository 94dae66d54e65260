#pragma once
// POST /v1/events on the process's HTTP server: device events as JSON (an object, an array of
// objects, or NDJSON), for the http listeners. The bearer token of a request selects its listener
// (name, tenant rule, metrics). A request is answered 200 only once every one of its events is
// durable (the outlet's AckGroup); when there is no room it gets 503 + Retry-After and the sender
// re-sends, so delivery is at-least-once.

#include <chrono>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "collector/listener_pipeline.h"
#include "common/config/collector_options.h"

namespace httplib {
class Server;
struct Request;
struct Response;
class ContentReader;
}  // namespace httplib

namespace hinomi::collector {

class HttpIngest : public std::enable_shared_from_this<HttpIngest> {
 public:
  static constexpr const char* kPath = "/v1/events";

  // How long a request waits for its events to become durable before it is answered 503.
  explicit HttpIngest(std::chrono::milliseconds durable_timeout = std::chrono::seconds(10));
  ~HttpIngest();

  // `pipeline` outlives this object or stop() is called before it goes.
  void addListener(const config::ListenerOptions& options, ListenerPipeline& pipeline);
  // Adds the route; the server keeps this object alive as long as it holds the route.
  void registerRoutes(httplib::Server& server);
  // From now on requests are answered 503 and no pipeline is used any more; waits for the
  // requests handing events over right now.
  void stop();

 private:
  struct Listener;
  void handle(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read);
  const Listener* authenticate(const std::string& authorization) const;

  std::chrono::milliseconds durable_timeout_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::shared_mutex mu_;  // shared by requests using a pipeline, exclusive for stop()
  bool stopped_ = false;
};

}  // namespace hinomi::collector
