#pragma once
// Console logins: a session per successful login (a random id in an HttpOnly, SameSite=Strict
// cookie, with a CSRF token the page must echo on every change), and a limit on failed logins per
// address and per user name, so a password cannot be guessed at speed. Sessions live in memory: a
// restart asks people to log in again.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace hinomi::console {

struct Session {
  std::string user;
  std::string csrf;
  int64_t expires_us = 0;
};

class Sessions {
 public:
  explicit Sessions(int64_t idle_secs = 8 * 3600) : idle_us_(idle_secs * 1000000) {}
  // A new session for `user`: its id and CSRF token.
  std::pair<std::string, std::string> create(const std::string& user, int64_t now_us);
  // The live session `id` names (its idle time restarts), or nullopt.
  std::optional<Session> find(const std::string& id, int64_t now_us);
  void remove(const std::string& id);
  int64_t idleSecs() const { return idle_us_ / 1000000; }

 private:
  int64_t idle_us_;
  std::mutex mu_;
  std::map<std::string, Session> by_id_;
};

class LoginLimiter {
 public:
  LoginLimiter(int max_failures = 5, int64_t window_secs = 300) : max_(max_failures), window_us_(window_secs * 1000000) {}
  // Seconds until `key` may try again (0: now).
  int64_t waitSecs(const std::string& key, int64_t now_us);
  void failed(const std::string& key, int64_t now_us);
  void succeeded(const std::string& key);

 private:
  int max_;
  int64_t window_us_;
  std::mutex mu_;
  std::map<std::string, std::pair<int, int64_t>> failures_;  // key → count, first failure in the window
};

}  // namespace hinomi::console
