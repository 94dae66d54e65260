// The e-mail as formatted (headers, RFC 2047 subject, base64 body, injection refused) and as a real
// SMTP server (tests/tools/smtp_sink.py) receives it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/text.h"
#include "playbooks/effects/smtp_mail.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace hinomi::playbooks::effects {
namespace {

constexpr int64_t kNowUs = 1'700'000'000'000'000;  // Tue, 14 Nov 2023 22:13:20 UTC

struct Parsed {
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded
  std::string body;                                          // as written (base64 lines)
  std::string header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "";
  }
};

Parsed parse(const std::string& message) {
  Parsed p;
  auto split = message.find("\r\n\r\n");
  EXPECT_NE(split, std::string::npos) << message;
  std::string head = message.substr(0, split + 2);
  p.body = message.substr(split + 4);
  std::string unfolded;
  for (size_t i = 0; i < head.size(); ++i) {
    if (head.compare(i, 3, "\r\n ") == 0) {
      i += 2;  // a continuation line: CRLF and the space go
      continue;
    }
    unfolded += head[i];
  }
  std::istringstream lines(unfolded);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto colon = line.find(": ");
    EXPECT_NE(colon, std::string::npos) << line;
    p.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
  }
  return p;
}

// RFC 2047 B words (=?UTF-8?B?...?=) decoded and joined; text outside words kept as is.
std::string decodeWords(const std::string& value) {
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    auto start = value.find("=?UTF-8?B?", i);
    if (start == std::string::npos) {
      out += value.substr(i);
      break;
    }
    out += value.substr(i, start - i);
    auto end = value.find("?=", start + 10);
    EXPECT_NE(end, std::string::npos) << value;
    EXPECT_LE(end + 2 - start, 75u) << "an encoded word over 75 characters";
    auto decoded = base64Decode(value.substr(start + 10, end - start - 10));
    EXPECT_TRUE(decoded.has_value()) << value;
    out += decoded.value_or("");
    i = end + 2;
  }
  return out;
}

std::string decodeBody(const std::string& body) {
  std::string joined;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    EXPECT_FALSE(line.empty() || line.back() != '\r') << "a body line without CRLF";
    if (!line.empty() && line.back() == '\r') line.pop_back();
    EXPECT_LE(line.size(), 76u);
    joined += line;
  }
  auto decoded = base64Decode(joined);
  EXPECT_TRUE(decoded.has_value()) << body;
  return decoded.value_or("");
}

SmtpSettings settings() {
  SmtpSettings s;
  s.url = "smtp://127.0.0.1:25";
  s.from = "hinomi@soc.example.jp";
  return s;
}

EmailMessage message() {
  EmailMessage m;
  m.to = {"soc@example.jp", "ciso@example.jp"};
  m.subject = "【重大】不正ログインの疑い: srv-01 (case 42)";
  m.body = "対応をお願いします。\n送信元 IP: 203.0.113.7\n" + std::string(300, 'x') + "\n";
  m.message_id = "case-42.notify@hinomi";
  m.headers = {{"X-Hinomi-Idempotency-Key", "case-42/notify/1"}};
  return m;
}

TEST(SmtpMailTest, FormatWritesTheHeadersAndEncodesSubjectAndBody) {
  auto text = formatEmail(settings(), message(), kNowUs);
  ASSERT_TRUE(text.has_value()) << text.error().message;
  for (size_t i = 0; i < text->size(); ++i) {
    if ((*text)[i] == '\n') {
      ASSERT_TRUE(i > 0 && (*text)[i - 1] == '\r') << "a bare LF at " << i;
    }
  }
  Parsed p = parse(*text);
  EXPECT_EQ(p.header("Date"), "Tue, 14 Nov 2023 22:13:20 +0000");
  EXPECT_EQ(p.header("From"), "hinomi@soc.example.jp");
  EXPECT_EQ(p.header("To"), "soc@example.jp,ciso@example.jp");
  EXPECT_EQ(p.header("Message-ID"), "<case-42.notify@hinomi>");
  EXPECT_EQ(p.header("MIME-Version"), "1.0");
  EXPECT_EQ(p.header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(p.header("Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(p.header("X-Hinomi-Idempotency-Key"), "case-42/notify/1");
  EXPECT_EQ(p.header("Subject").rfind("=?UTF-8?B?", 0), 0u) << p.header("Subject");
  EXPECT_EQ(decodeWords(p.header("Subject")), message().subject);
  EXPECT_EQ(decodeBody(p.body),
            "対応をお願いします。\r\n送信元 IP: 203.0.113.7\r\n" + std::string(300, 'x') + "\r\n");
}

TEST(SmtpMailTest, AsciiSubjectsStayReadableUnlessTheyLookEncoded) {
  EmailMessage m = message();
  m.subject = "Brute force on srv-01";
  auto text = formatEmail(settings(), m, kNowUs);
  ASSERT_TRUE(text.has_value()) << text.error().message;
  EXPECT_EQ(parse(*text).header("Subject"), "Brute force on srv-01");

  m.subject = "user =?UTF-8?B?5LiN5q2j?= logged in";  // event data posing as an encoded word
  text = formatEmail(settings(), m, kNowUs);
  ASSERT_TRUE(text.has_value()) << text.error().message;
  EXPECT_NE(parse(*text).header("Subject"), m.subject);
  EXPECT_EQ(decodeWords(parse(*text).header("Subject")), m.subject);
}

TEST(SmtpMailTest, ALongJapaneseSubjectIsFoldedIntoShortWords) {
  EmailMessage m = message();
  m.subject.clear();
  for (int i = 0; i < 40; ++i) m.subject += "不正アクセス";
  auto text = formatEmail(settings(), m, kNowUs);
  ASSERT_TRUE(text.has_value()) << text.error().message;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) EXPECT_LE(line.size(), 998u);
  EXPECT_EQ(decodeWords(parse(*text).header("Subject")), m.subject);  // each word ≤ 75 checked inside
}

TEST(SmtpMailTest, AMissingMessageIdIsMadeUp) {
  EmailMessage m = message();
  m.message_id.clear();
  auto text = formatEmail(settings(), m, kNowUs);
  ASSERT_TRUE(text.has_value()) << text.error().message;
  std::string id = parse(*text).header("Message-ID");
  EXPECT_EQ(id.front(), '<');
  EXPECT_EQ(id.back(), '>');
  EXPECT_NE(id.find("@hinomi>"), std::string::npos) << id;
}

TEST(SmtpMailTest, HeaderInjectionIsRefused) {
  auto refused = [](const SmtpSettings& s, const EmailMessage& m) {
    auto r = formatEmail(s, m, kNowUs);
    return !r.has_value() && r.error().code == ErrorCode::kInvalidArgument;
  };
  EmailMessage m = message();
  m.subject = "alert\r\nBcc: attacker@evil.example";
  EXPECT_TRUE(refused(settings(), m));
  m.subject = "alert\nBcc: attacker@evil.example";
  EXPECT_TRUE(refused(settings(), m));
  m = message();
  m.to = {"soc@example.jp\r\nBcc: attacker@evil.example"};
  EXPECT_TRUE(refused(settings(), m));
  m.to = {"soc@example.jp, attacker@evil.example"};
  EXPECT_TRUE(refused(settings(), m));
  m.to = {};
  EXPECT_TRUE(refused(settings(), m));
  m = message();
  m.headers = {{"X-Hinomi-Host", "srv-01\r\nBcc: attacker@evil.example"}};
  EXPECT_TRUE(refused(settings(), m));
  m.headers = {{"Bcc", "attacker@evil.example"}};
  EXPECT_TRUE(refused(settings(), m));
  m.headers = {{"X-Bad Name", "v"}};
  EXPECT_TRUE(refused(settings(), m));
  m = message();
  m.message_id = "id\r\nBcc: attacker@evil.example";
  EXPECT_TRUE(refused(settings(), m));
  SmtpSettings s = settings();
  s.from = "hinomi@soc.example.jp\nBcc: attacker@evil.example";
  EXPECT_TRUE(refused(s, message()));
}

// A port on 127.0.0.1 that nothing listens on (bound, then closed).
int closedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::optional<int> waitForPort(const std::string& portfile, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(portfile);
    int port = 0;
    if (in >> port && port > 0) return port;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

TEST(SmtpMailSendTest, TheSinkReceivesTheMessage) {
  if (hinomi::testing::runProgram({"/usr/bin/python3", "-c", "import aiosmtpd"}).exit_code != 0) {
    GTEST_SKIP() << "/usr/bin/python3 cannot import aiosmtpd (Debian: python3-aiosmtpd)";
  }
  hinomi::testing::TempDir dir;
  const std::string portfile = dir.file("port"), outdir = dir.file("mail");
  hinomi::testing::ChildProcess sink(
      std::vector<std::string>{"/usr/bin/python3", HINOMI_SOURCE_DIR "/tests/tools/smtp_sink.py", portfile, outdir});
  auto port = waitForPort(portfile, std::chrono::seconds(10));
  ASSERT_TRUE(port.has_value()) << "smtp_sink.py did not start: " << sink.stderrText();

  SmtpSettings s = settings();
  s.url = "smtp://127.0.0.1:" + std::to_string(*port);
  auto sent = sendEmail(s, message());
  ASSERT_TRUE(sent.has_value()) << sent.error().message;

  const std::string record_path = outdir + "/1.json";
  ASSERT_TRUE(std::filesystem::exists(record_path)) << sink.stderrText();
  std::ifstream in(record_path);
  auto record = nlohmann::json::parse(in);
  EXPECT_EQ(record["mail_from"], "hinomi@soc.example.jp");
  EXPECT_EQ(record["rcpt_tos"], (nlohmann::json{"soc@example.jp", "ciso@example.jp"}));
  const std::string data = record["data"];
  Parsed p = parse(data);
  EXPECT_EQ(p.header("Message-ID"), "<case-42.notify@hinomi>");
  EXPECT_EQ(decodeWords(p.header("Subject")), message().subject);

  // And as a real MIME parser reads it (Python's email package).
  auto py = hinomi::testing::runProgram(
      {"/usr/bin/python3", "-c",
       "import email, email.policy, json, sys\n"
       "rec = json.load(open(sys.argv[1], encoding='utf-8'))\n"
       "msg = email.message_from_string(rec['data'], policy=email.policy.default)\n"
       "print(json.dumps({'subject': str(msg['subject']), 'body': msg.get_content().replace('\\r\\n', '\\n'),"
       " 'message_id': str(msg['message-id'])}))\n",
       record_path});
  ASSERT_EQ(py.exit_code, 0) << py.err;
  auto decoded = nlohmann::json::parse(py.out);
  EXPECT_EQ(decoded["subject"], message().subject);
  EXPECT_EQ(decoded["body"], message().body);
  EXPECT_EQ(decoded["message_id"], "<case-42.notify@hinomi>");

  sink.signal(SIGTERM);
  EXPECT_EQ(sink.wait(std::chrono::seconds(10)), 0) << sink.stderrText();
}

TEST(SmtpMailSendTest, AClosedPortIsUnavailable) {
  const int port = closedPort();
  SmtpSettings s = settings();
  s.url = "smtp://127.0.0.1:" + std::to_string(port);
  s.username = "hinomi";
  s.password = "pa55-s3cret";
  auto sent = sendEmail(s, message());
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(sent.error().message.find("smtp://127.0.0.1:" + std::to_string(port)), std::string::npos)
      << sent.error().message;
  EXPECT_EQ(sent.error().message.find("pa55-s3cret"), std::string::npos) << sent.error().message;
}

TEST(SmtpMailSendTest, OnlySmtpUrls) {
  SmtpSettings s = settings();
  s.url = "http://127.0.0.1:25";
  auto sent = sendEmail(s, message());
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace hinomi::playbooks::effects
