#pragma once
// The responder's e-mail: an RFC 5322 message (UTF-8 subject and body, Japanese being the normal
// case) built here and handed to an SMTP relay over libcurl. Addresses and header values may come
// from event data, so any CR or LF in them is refused rather than allowed to add headers.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace hinomi::playbooks::effects {

struct SmtpSettings {
  std::string url;                  // smtp://host:port or smtps://host:port
  std::string from;                 // envelope and From: address
  std::string username, password;   // optional AUTH (username empty: none)
  bool require_tls = false;         // smtp://: STARTTLS required (true) or not attempted (false)
  std::chrono::milliseconds timeout{30000};
};

struct EmailMessage {
  std::vector<std::string> to;      // bare addresses (user@example.jp)
  std::string subject;              // UTF-8
  std::string body;                 // UTF-8 plain text
  std::string message_id;           // without <>, e.g. "key@hinomi"; empty: one is made up
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. X-Hinomi-Idempotency-Key
};

// The message as sent: Date (from now_us, UTC), From, To, Subject (RFC 2047 =?UTF-8?B?...?= words
// when not ASCII), Message-ID, MIME-Version, Content-Type text/plain; charset=UTF-8,
// Content-Transfer-Encoding base64 (76-column lines; the body's line ends become CRLF first), then
// the extra headers. CRLF line ends throughout. kInvalidArgument: no recipient, a bad address, a CR
// or LF in a header value, an extra header that would replace one of those above.
[[nodiscard]] Result<std::string> formatEmail(const SmtpSettings& s, const EmailMessage& m, int64_t now_us);

// Formats and sends `m`. kInvalidArgument as formatEmail, or a URL that is not smtp(s)://;
// kUnavailable when the relay cannot be reached or refuses (the message names scheme://host:port).
[[nodiscard]] Status sendEmail(const SmtpSettings& s, const EmailMessage& m);

}  // namespace hinomi::playbooks::effects
