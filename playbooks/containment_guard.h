#pragma once
// The two brakes on containment (docs/playbooks.md, "Safety"): targets an action must never act on
// (a domain controller, the firewall itself, the CISO's account …), and a cap on actions started
// per minute, so a flood of incidents cannot turn hinomi into the outage.

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace hinomi::playbooks {

class ContainmentGuard {
 public:
  // `never_touch`: IP addresses, CIDRs, names or * globs (case-insensitive).
  ContainmentGuard(std::vector<std::string> never_touch, int max_per_minute);

  // The never_touch entry `target` matches, or "" when it may be acted on. Comma- or
  // space-separated targets are checked one by one: any match refuses the action.
  std::string protectedBy(const std::string& target) const;

  // Takes one of the minute's slots at `now_us`; false when the cap is reached, with `retry_at_us`
  // set to when a slot frees.
  bool tryStart(int64_t now_us, int64_t& retry_at_us);

 private:
  std::vector<std::string> patterns_;
  int max_per_minute_;
  std::mutex mu_;
  std::deque<int64_t> started_;  // start times within the last minute
};

// Whether `text` matches the glob `pattern` (* any run, ? one character), ASCII case-insensitive.
bool globMatch(const std::string& pattern, const std::string& text);

}  // namespace hinomi::playbooks
