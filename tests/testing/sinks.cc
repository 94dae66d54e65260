#include "tests/testing/sinks.h"
#include "tests/testing/temp_dir.h"

#include <signal.h>
#include <strings.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <openssl/evp.h>

namespace hinomi::testing {
namespace fs = std::filesystem;

namespace {


std::string base64Decode(std::string in) {
  std::string clean;
  for (char c : in)
    if (!std::isspace(static_cast<unsigned char>(c))) clean.push_back(c);
  std::string out(clean.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), int(clean.size()));
  if (n < 0) return "";
  size_t pad = 0;
  for (size_t i = clean.size(); i > 0 && clean[i - 1] == '='; --i) ++pad;
  out.resize(size_t(n) - pad);
  return out;
}

}  // namespace

Sink::Sink(const std::string& dir, const std::string& script, std::vector<std::string> extra) {
  smtp_ = script.find("smtp") != std::string::npos;
  fs::create_directories(dir);
  const std::string port_file = dir + "/port";
  out_ = smtp_ ? dir + "/mail" : dir + "/requests.jsonl";
  if (smtp_) fs::create_directories(out_);
  std::vector<std::string> argv = {"/usr/bin/python3", std::string(HINOMI_SOURCE_DIR) + "/tests/tools/" + script,
                                   port_file, out_};
  argv.insert(argv.end(), extra.begin(), extra.end());
  child_ = std::make_unique<ChildProcess>(argv);
  for (int i = 0; i < 200; ++i) {
    std::string text = readFile(port_file);
    if (!text.empty()) {
      port_ = std::stoi(text);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Sink::~Sink() {
  if (!child_) return;
  child_->signal(SIGTERM);
  child_->wait(std::chrono::seconds(5));
}

std::vector<nlohmann::json> Sink::records() const {
  std::vector<nlohmann::json> out;
  if (smtp_) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(out_, ec))
      if (e.path().extension() == ".json") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto j = nlohmann::json::parse(readFile(f), nullptr, false);
      if (!j.is_discarded()) out.push_back(std::move(j));
    }
    return out;
  }
  std::istringstream lines(readFile(out_));
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

bool haveAiosmtpd() {
  auto r = runProgram({"/usr/bin/python3", "-c", "import aiosmtpd"});
  return r.exit_code == 0;
}

std::string mailHeader(const std::string& raw, const std::string& name) {
  std::istringstream lines(raw);
  std::string value;
  bool in = false;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if (in && (line[0] == ' ' || line[0] == '\t')) {
      value += line.substr(1);
      continue;
    }
    if (in) break;
    if (line.size() > name.size() && strncasecmp(line.c_str(), name.c_str(), name.size()) == 0 && line[name.size()] == ':') {
      value = line.substr(name.size() + 1);
      in = true;
    }
  }
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  // =?UTF-8?B?…?= words, joined.
  std::string decoded;
  size_t pos = 0;
  bool any = false;
  while (true) {
    size_t a = value.find("=?UTF-8?B?", pos);
    if (a == std::string::npos) a = value.find("=?utf-8?b?", pos);
    if (a == std::string::npos) break;
    size_t b = value.find("?=", a + 10);
    if (b == std::string::npos) break;
    decoded += base64Decode(value.substr(a + 10, b - a - 10));
    pos = b + 2;
    any = true;
  }
  return any ? decoded : value;
}

std::string decodeMailBody(const std::string& raw) {
  size_t at = raw.find("\r\n\r\n");
  size_t skip = 4;
  if (at == std::string::npos) {
    at = raw.find("\n\n");
    skip = 2;
  }
  if (at == std::string::npos) return "";
  return base64Decode(raw.substr(at + skip));
}

}  // namespace hinomi::testing
