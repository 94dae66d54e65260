#include "console/api/sessions.h"

#include "console/api/api_users.h"

namespace hinomi::console {

std::pair<std::string, std::string> Sessions::create(const std::string& user, int64_t now_us) {
  std::string id = randomHex(32), csrf = randomHex(32);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = by_id_.begin(); it != by_id_.end();)  // expired ones go as new ones come
    it = it->second.expires_us < now_us ? by_id_.erase(it) : std::next(it);
  by_id_[id] = {user, csrf, now_us + idle_us_};
  return {id, csrf};
}

std::optional<Session> Sessions::find(const std::string& id, int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  if (it->second.expires_us < now_us) {
    by_id_.erase(it);
    return std::nullopt;
  }
  it->second.expires_us = now_us + idle_us_;
  return it->second;
}

void Sessions::remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  by_id_.erase(id);
}

int64_t LoginLimiter::waitSecs(const std::string& key, int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  auto [count, first] = it->second;
  if (now_us - first >= window_us_) {
    failures_.erase(it);
    return 0;
  }
  return count >= max_ ? (first + window_us_ - now_us) / 1000000 + 1 : 0;
}

void LoginLimiter::failed(const std::string& key, int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& f = failures_[key];
  if (f.first == 0 || now_us - f.second >= window_us_) f = {0, now_us};
  f.first += 1;
}

void LoginLimiter::succeeded(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.erase(key);
}

}  // namespace hinomi::console
