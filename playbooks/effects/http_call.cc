#include "playbooks/effects/http_call.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string_view>

namespace hinomi::playbooks::effects {
namespace {

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
template <typename T>
using CurlPtr = std::unique_ptr<T, CurlDeleter>;

struct UrlParts {
  std::string scheme, host, port;
  std::vector<std::string> secrets;  // user, password, query, fragment: never in a message
};

std::string urlPart(CURLU* u, CURLUPart what, unsigned flags = 0) {
  char* part = nullptr;
  if (curl_url_get(u, what, &part, flags) != CURLUE_OK || part == nullptr) return "";
  std::string out(part);
  curl_free(part);
  return out;
}

bool parseUrl(const std::string& url, UrlParts& parts) {
  CurlPtr<CURLU> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return false;
  }
  parts.scheme = urlPart(u.get(), CURLUPART_SCHEME);
  parts.host = urlPart(u.get(), CURLUPART_HOST);
  parts.port = urlPart(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  for (CURLUPart secret : {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_QUERY, CURLUPART_FRAGMENT}) {
    if (std::string v = urlPart(u.get(), secret); !v.empty()) parts.secrets.push_back(std::move(v));
  }
  return !parts.scheme.empty();
}

// A header name is an RFC 9110 token: no separators, spaces or control characters.
bool validHeaderName(const std::string& name) {
  static constexpr std::string_view kTokenPunct = "!#$%&'*+-.^_`|~";
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
           kTokenPunct.find(c) != std::string_view::npos;
  });
}

bool validHeaderValue(const std::string& value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
}

size_t collectBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * count;
  if (body->size() < kMaxHttpResponseBody) body->append(data, std::min(n, kMaxHttpResponseBody - body->size()));
  return n;  // the rest is read and dropped: a chatty endpoint is not a failed call
}

}  // namespace

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string urlOrigin(const std::string& url) {
  UrlParts p;
  if (!parseUrl(url, p)) return "";
  std::string out = p.scheme + "://" + p.host;
  if (!p.port.empty()) out += ":" + p.port;
  return out;
}

Result<HttpResponse> sendHttp(const HttpRequest& request) {
  UrlParts parts;
  if (!parseUrl(request.url, parts)) return makeError(ErrorCode::kInvalidArgument, "the URL does not parse");
  if (parts.scheme != "http" && parts.scheme != "https") {
    return makeError(ErrorCode::kInvalidArgument,
                     "only http:// and https:// URLs are allowed, not " + parts.scheme + "://");
  }
  const std::string origin = parts.scheme + "://" + parts.host + ":" + parts.port;
  if (request.method.empty() || !validHeaderName(request.method)) {
    return makeError(ErrorCode::kInvalidArgument, "bad HTTP method '" + request.method + "'");
  }

  CurlPtr<curl_slist> headers;
  auto addHeader = [&headers](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next == nullptr) return false;
    headers.release();
    headers.reset(next);
    return true;
  };
  bool caller_expect = false;
  for (const auto& [name, value] : request.headers) {
    if (!validHeaderName(name)) {
      return makeError(ErrorCode::kInvalidArgument, "bad HTTP header name '" + name + "'");
    }
    if (!validHeaderValue(value)) {
      return makeError(ErrorCode::kInvalidArgument, "HTTP header " + name + " has a CR, LF or NUL in its value");
    }
    // "Name;" is libcurl's way to send an empty value ("Name:" would remove the header).
    if (!addHeader(value.empty() ? name + ";" : name + ": " + value)) {
      return makeError(ErrorCode::kInternal, "out of memory building HTTP headers");
    }
    caller_expect = caller_expect || strcasecmp(name.c_str(), "Expect") == 0;
  }
  // No 100-continue round trip for large bodies: an endpoint that never answers it costs a second.
  if (!caller_expect && !addHeader("Expect:")) {
    return makeError(ErrorCode::kInternal, "out of memory building HTTP headers");
  }

  initCurlOnce();
  CurlPtr<CURL> curl(curl_easy_init());
  if (!curl) return makeError(ErrorCode::kInternal, "curl_easy_init failed");
  CURL* h = curl.get();
  char error_text[CURL_ERROR_SIZE] = {0};
  HttpResponse response;
  const long timeout_ms = std::max<long>(1, static_cast<long>(request.timeout.count()));

  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "hinomi");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collectBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);

  const std::string& m = request.method;
  if (m == "GET" && request.body.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (m == "HEAD" && request.body.empty()) {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    if (!request.body.empty() || m == "POST" || m == "PUT" || m == "PATCH") {
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    }
    if (m != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m.c_str());
  }

  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    // libcurl's detail names the host and port at most; should it ever echo a secret part of the
    // URL, that part is masked (short ones are skipped: they would mask ordinary words).
    std::string detail = error_text[0] != '\0' ? error_text : curl_easy_strerror(rc);
    for (const auto& secret : parts.secrets) {
      if (secret.size() < 4) continue;
      for (size_t at = 0; (at = detail.find(secret, at)) != std::string::npos; at += 3) {
        detail.replace(at, secret.size(), "***");
      }
    }
    return makeError(ErrorCode::kUnavailable, m + " " + origin + " failed: " + detail);
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace hinomi::playbooks::effects
