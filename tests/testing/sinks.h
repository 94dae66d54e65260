#pragma once
// The receivers that responder tests send to: a real SMTP server (aiosmtpd, tests/tools/smtp_sink.py)
// and an HTTP endpoint that records every request (tests/tools/webhook_sink.py), each a child process
// on a free loopback port.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/testing/child_process.h"

namespace hinomi::testing {

class Sink {
 public:
  // `script`: smtp_sink.py or webhook_sink.py; `extra`: its options. `dir` holds its files.
  Sink(const std::string& dir, const std::string& script, std::vector<std::string> extra = {});
  ~Sink();
  int port() const { return port_; }  // -1 when it did not start
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return child_ ? child_->stderrText() : ""; }
  // webhook_sink: the requests so far. smtp_sink: the messages so far ({mail_from, rcpt_tos, data}).
  std::vector<nlohmann::json> records() const;

 private:
  std::string out_;
  bool smtp_ = false;
  int port_ = -1;
  std::unique_ptr<ChildProcess> child_;
};

// Whether python3 can run the SMTP server (python3-aiosmtpd, installed by ops/install-deps.sh --test).
bool haveAiosmtpd();

// Decodes the body of a base64 text/plain message as smtp_sink records it (the part after the
// blank line); and an RFC 2047 =?UTF-8?B?…?= header value.
std::string decodeMailBody(const std::string& raw);
std::string mailHeader(const std::string& raw, const std::string& name);

}  // namespace hinomi::testing
