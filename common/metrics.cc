#include "common/metrics.h"

#include <regex>
#include <sstream>

#include <prometheus/text_serializer.h>

namespace hinomi::metrics {

prometheus::Registry& registry() {
  static prometheus::Registry r;
  return r;
}

std::string exposition() {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry().Collect());
  return out.str();
}

std::string checkName(const std::string& name, prometheus::MetricType type) {
  static const std::regex shape("^hinomi_[a-z][a-z0-9]*(_[a-z0-9]+)+$");
  if (!std::regex_match(name, shape)) return "not hinomi_<component>_<what>[_<unit>] in snake_case";
  bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
  if (type == prometheus::MetricType::Counter && !total) return "a counter must end in _total";
  if (type != prometheus::MetricType::Counter && total) return "only counters end in _total";
  // Base units only (style.md): seconds and bytes, not their multiples.
  static const std::regex non_base("_(ms|millis|milliseconds|us|micros|ns|minutes|hours|kb|mb|gb|kib|mib)(_|$)");
  if (std::regex_search(name, non_base)) return "use base units (_seconds, _bytes)";
  return {};
}

}  // namespace hinomi::metrics
