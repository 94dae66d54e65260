#pragma once
// The responder's HTTP side effects (webhooks, chat, containment APIs) over libcurl: one request,
// no redirects, only http(s), header values checked because they may come from event data, and
// errors that name the endpoint's origin but never its query string (which may hold a token).

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace hinomi::playbooks::effects {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Idempotency-Key", "..."}
  std::string body;                                           // sent as is (caller sets Content-Type)
  std::chrono::milliseconds timeout{30000};
};

struct HttpResponse {
  long status = 0;
  std::string body;  // at most the first kMaxHttpResponseBody bytes; the rest is read and dropped
};

inline constexpr size_t kMaxHttpResponseBody = 64 * 1024;

// Any HTTP status is a response (the caller decides what is a failure). kInvalidArgument: a URL that
// is not http(s)://, a bad method, a header name or value with CR/LF; kUnavailable: the transport
// failed (cannot connect, timeout, TLS), the message naming scheme://host:port only.
[[nodiscard]] Result<HttpResponse> sendHttp(const HttpRequest& request);

// Shared with smtp_mail: curl_global_init, once per process.
void initCurlOnce();
// "scheme://host:port" of `url` for messages (no user info, path or query); "" when it does not parse.
std::string urlOrigin(const std::string& url);

}  // namespace hinomi::playbooks::effects
