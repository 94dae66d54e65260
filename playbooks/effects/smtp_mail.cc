#include "playbooks/effects/smtp_mail.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <memory>
#include <random>
#include <string_view>

#include "common/text.h"
#include "playbooks/effects/http_call.h"

namespace hinomi::playbooks::effects {
namespace {

constexpr size_t kBase64LineChars = 76;
// An encoded word is at most 75 characters: "=?UTF-8?B?" + base64 + "?=" leaves 63, so 60 base64
// characters, 45 bytes of text, never cut inside a UTF-8 sequence.
constexpr size_t kEncodedWordBytes = 45;

bool hasLineBreak(std::string_view v) { return v.find_first_of(std::string_view("\r\n\0", 3)) != v.npos; }

bool isPrintableAscii(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// A bare addr-spec: printable ASCII without spaces or the characters that would make it a list,
// a display name or a route (no quoted local parts: relays and event data rarely need them).
Status checkAddress(std::string_view what, const std::string& address) {
  if (hasLineBreak(address)) return makeError(ErrorCode::kInvalidArgument, std::string(what) + " has a CR or LF");
  bool ok = !address.empty() && address.find('@') != std::string::npos &&
            std::all_of(address.begin(), address.end(), [](char c) {
              return c > 0x20 && c < 0x7f && std::string_view("<>,;:\"()[]\\").find(c) == std::string_view::npos;
            });
  if (!ok) return makeError(ErrorCode::kInvalidArgument, std::string(what) + " '" + address + "' is not a bare e-mail address");
  return {};
}

// RFC 2047 B encoding in words of at most 75 characters, folded onto continuation lines.
std::string encodedWords(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = i;
    while (end < text.size()) {
      size_t n = utf8SequenceLength(reinterpret_cast<const unsigned char*>(text.data()) + end, text.size() - end);
      if (n == 0) n = 1;  // not UTF-8: still carried byte for byte
      if (end + n - i > kEncodedWordBytes) break;
      end += n;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64Encode(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

// A header value as written: as is when it is short printable ASCII, else encoded words (also when
// it holds "=?", so event data cannot smuggle in an encoded word of its own).
std::string headerValue(std::string_view value) {
  if (isPrintableAscii(value) && value.size() <= 900 && value.find("=?") == value.npos) return std::string(value);
  return encodedWords(value);
}

bool validFieldName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c > 0x20 && c < 0x7f && c != ':'; });
}

bool isOwnHeader(const std::string& name) {
  static constexpr std::array<const char*, 10> kOwn = {
      "Date", "From", "To", "Cc", "Bcc", "Subject", "Message-ID", "MIME-Version", "Content-Type",
      "Content-Transfer-Encoding"};
  return std::any_of(kOwn.begin(), kOwn.end(), [&](const char* own) { return strcasecmp(own, name.c_str()) == 0; });
}

std::string rfc5322Date(int64_t now_us) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t secs = static_cast<time_t>(now_us / 1'000'000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[64];
  snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[t.tm_wday], t.tm_mday, kMonths[t.tm_mon],
           t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
  return buf;
}

// Text in canonical form (RFC 2045: CRLF line ends) before it is base64 encoded.
std::string crlfLines(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string madeUpMessageId(int64_t now_us) {
  std::random_device rd;
  char buf[64];
  snprintf(buf, sizeof buf, "%lld.%08x%08x@hinomi", static_cast<long long>(now_us), rd(), rd());
  return buf;
}

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Upload {
  const std::string* data;
  size_t at = 0;
};

size_t readUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  size_t n = std::min(size * count, up->data->size() - up->at);
  std::copy_n(up->data->data() + up->at, n, buffer);
  up->at += n;
  return n;
}

}  // namespace

Result<std::string> formatEmail(const SmtpSettings& s, const EmailMessage& m, int64_t now_us) {
  if (auto ok = checkAddress("the From address", s.from); !ok) return tl::unexpected(ok.error());
  if (m.to.empty()) return makeError(ErrorCode::kInvalidArgument, "an e-mail needs at least one recipient");
  for (const auto& to : m.to) {
    if (auto ok = checkAddress("a To address", to); !ok) return tl::unexpected(ok.error());
  }
  if (hasLineBreak(m.subject)) return makeError(ErrorCode::kInvalidArgument, "the subject has a CR or LF");
  std::string id = m.message_id.empty() ? madeUpMessageId(now_us) : m.message_id;
  if (!isPrintableAscii(id) || id.find_first_of("<> ") != id.npos) {
    return makeError(ErrorCode::kInvalidArgument, "the Message-ID '" + id + "' is not printable ASCII without <>");
  }
  if (id.find('@') == id.npos) id += "@hinomi";
  for (const auto& [name, value] : m.headers) {
    if (!validFieldName(name)) return makeError(ErrorCode::kInvalidArgument, "bad e-mail header name '" + name + "'");
    if (isOwnHeader(name)) {
      return makeError(ErrorCode::kInvalidArgument, "the e-mail header " + name + " is written by hinomi itself");
    }
    if (hasLineBreak(value)) return makeError(ErrorCode::kInvalidArgument, "e-mail header " + name + " has a CR or LF");
  }

  std::string out;
  out += "Date: " + rfc5322Date(now_us) + "\r\n";
  out += "From: " + s.from + "\r\n";
  out += "To: ";
  for (size_t i = 0; i < m.to.size(); ++i) out += (i == 0 ? "" : ",\r\n ") + m.to[i];
  out += "\r\n";
  out += "Subject: " + headerValue(m.subject) + "\r\n";
  out += "Message-ID: <" + id + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n";
  for (const auto& [name, value] : m.headers) out += name + ": " + headerValue(value) + "\r\n";
  out += "\r\n";
  const std::string body = base64Encode(crlfLines(m.body));
  for (size_t i = 0; i < body.size(); i += kBase64LineChars) out += body.substr(i, kBase64LineChars) + "\r\n";
  return out;
}

Status sendEmail(const SmtpSettings& s, const EmailMessage& m) {
  const std::string origin = urlOrigin(s.url);
  if (origin.rfind("smtp://", 0) != 0 && origin.rfind("smtps://", 0) != 0) {
    return makeError(ErrorCode::kInvalidArgument, "the SMTP URL must be smtp://host:port or smtps://host:port");
  }
  auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  auto message = formatEmail(s, m, now_us);
  if (!message) return tl::unexpected(message.error());

  std::unique_ptr<curl_slist, CurlDeleter> rcpt;
  for (const auto& to : m.to) {
    curl_slist* next = curl_slist_append(rcpt.get(), ("<" + to + ">").c_str());
    if (next == nullptr) return makeError(ErrorCode::kInternal, "out of memory building the recipient list");
    rcpt.release();
    rcpt.reset(next);
  }

  initCurlOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return makeError(ErrorCode::kInternal, "curl_easy_init failed");
  CURL* h = curl.get();
  char error_text[CURL_ERROR_SIZE] = {0};
  Upload upload{&*message};
  const long timeout_ms = std::max<long>(1, static_cast<long>(s.timeout.count()));
  const std::string mail_from = "<" + s.from + ">";

  curl_easy_setopt(h, CURLOPT_URL, s.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(h, CURLOPT_USE_SSL, s.require_tls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_NONE));
  if (!s.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, s.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, s.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message->size()));
  curl_easy_setopt(h, CURLOPT_READFUNCTION, readUpload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);

  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    std::string detail = error_text[0] != '\0' ? error_text : curl_easy_strerror(rc);
    if (!s.password.empty()) {  // libcurl does not echo it; masked should that ever change
      for (size_t at = 0; (at = detail.find(s.password, at)) != std::string::npos; at += 3) {
        detail.replace(at, s.password.size(), "***");
      }
    }
    return makeError(ErrorCode::kUnavailable, "sending e-mail via " + origin + " failed: " + detail);
  }
  return {};
}

}  // namespace hinomi::playbooks::effects
