#include "playbooks/containment_guard.h"

#include <cctype>
#include <sstream>

#include "correlator/rules/cidr.h"

namespace hinomi::playbooks {

bool globMatch(const std::string& pattern, const std::string& text) {
  // Iterative matcher with one backtrack point: linear in practice, no recursion on hostile input.
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  auto eq = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  };
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || eq(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

ContainmentGuard::ContainmentGuard(std::vector<std::string> never_touch, int max_per_minute)
    : patterns_(std::move(never_touch)), max_per_minute_(max_per_minute) {}

std::string ContainmentGuard::protectedBy(const std::string& target) const {
  std::string spaced = target;
  for (char& ch : spaced)
    if (ch == ',') ch = ' ';
  std::istringstream in(spaced);
  std::string one;
  while (in >> one) {
    auto ip = rules::parseIp(one);
    for (const auto& pattern : patterns_) {
      if (ip && pattern.find('/') != std::string::npos) {
        if (auto cidr = rules::parseCidr(pattern); cidr && cidr->contains(*ip)) return pattern;
        continue;
      }
      if (ip) {
        if (auto other = rules::parseIp(pattern); other && *other == *ip) return pattern;
      }
      if (globMatch(pattern, one)) return pattern;
    }
  }
  return "";
}

bool ContainmentGuard::tryStart(int64_t now_us, int64_t& retry_at_us) {
  constexpr int64_t kMinute = 60LL * 1000000;
  std::lock_guard<std::mutex> lock(mu_);
  while (!started_.empty() && started_.front() <= now_us - kMinute) started_.pop_front();
  if (int(started_.size()) >= max_per_minute_) {
    retry_at_us = started_.front() + kMinute;
    return false;
  }
  started_.push_back(now_us);
  return true;
}

}  // namespace hinomi::playbooks
