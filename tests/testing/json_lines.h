#pragma once
// What the CLI prints, one JSON object per line, read back: events (`decode`, `--events-out`) and
// incidents (`replay`). A line that does not parse fails the calling test.

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/event.h"
#include "correlator/incident.h"

namespace hinomi::testing {

inline std::vector<Event> eventLines(const std::string& out) {
  std::vector<Event> result;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto e = eventFromJson(line);
    EXPECT_TRUE(e.has_value()) << line;
    if (e) result.push_back(std::move(*e));
  }
  return result;
}

inline std::vector<correlator::Incident> incidentLines(const std::string& out) {
  std::vector<correlator::Incident> result;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto inc = correlator::incidentFromJson(line);
    EXPECT_TRUE(inc.has_value()) << line;
    if (inc) result.push_back(std::move(*inc));
  }
  return result;
}

}  // namespace hinomi::testing
