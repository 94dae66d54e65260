#include "correlator/enrich/policy_yaml.h"

#include <algorithm>
#include <charconv>

#include "common/config/schema.h"

namespace hinomi::correlator::policy_yaml {

bool checkKeys(const YAML::Node& n, const std::vector<std::string>& known, config::Diagnostics& d,
               const std::string& what) {
  bool ok = true;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      d.error(it->first, what + ": unknown key '" + key + "'" + config::suggestKey(key, known));
      ok = false;
    }
  }
  return ok;
}

bool text(const YAML::Node& parent, const char* key, config::Diagnostics& d, const std::string& what,
          std::string& out) {
  const YAML::Node n = parent[key];
  if (!n) {
    d.error(parent, what + ": '" + key + "' is required");
    return false;
  }
  if (!n.IsScalar() || n.Scalar().empty()) {
    d.error(n, what + "." + key + ": expected a non-empty string, got " + config::describeNode(n));
    return false;
  }
  out = n.Scalar();
  return true;
}

namespace {

std::optional<int64_t> digits(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

std::optional<int64_t> durationSeconds(const std::string& s) {
  if (s.empty()) return std::nullopt;
  int64_t unit = 1;
  std::string_view num = s;
  switch (s.back()) {
    case 's': unit = 1; num.remove_suffix(1); break;
    case 'm': unit = 60; num.remove_suffix(1); break;
    case 'h': unit = 3600; num.remove_suffix(1); break;
    case 'd': unit = 86400; num.remove_suffix(1); break;
    default: break;
  }
  auto v = digits(num);
  if (!v) return std::nullopt;
  return *v * unit;
}

std::optional<int> clockMinutes(const std::string& s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  auto h = digits(std::string_view(s).substr(0, 2));
  auto m = digits(std::string_view(s).substr(3, 2));
  if (!h || !m || *m > 59 || *h > 24 || (*h == 24 && *m != 0)) return std::nullopt;
  return int(*h * 60 + *m);
}

std::optional<int64_t> calendarDay(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto y = digits(std::string_view(s).substr(0, 4));
  auto mo = digits(std::string_view(s).substr(5, 2));
  auto da = digits(std::string_view(s).substr(8, 2));
  if (!y || !mo || !da || *mo < 1 || *mo > 12 || *da < 1) return std::nullopt;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  if (*da > kDays[*mo - 1] + (*mo == 2 && leap ? 1 : 0)) return std::nullopt;
  // Days from civil (Howard Hinnant's algorithm).
  int64_t yy = *y - (*mo <= 2 ? 1 : 0);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t mp = (*mo + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + *da - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace hinomi::correlator::policy_yaml
