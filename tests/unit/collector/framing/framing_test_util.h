#pragma once
// Helpers for the framer tests: collect frames, feed a stream whole, byte by byte or in random
// chunks, and check the memory bound after every feed.

#include <gtest/gtest.h>

#include <cstddef>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "collector/framing/framer.h"

namespace hinomi::collector::testing {

struct Got {
  std::string bytes;
  FrameIssue issue = FrameIssue::kNone;
  bool operator==(const Got&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Got& g) {
  return os << "{" << static_cast<int>(g.issue) << ", \"" << g.bytes << "\"}";
}

inline Got ok(std::string s) { return Got{std::move(s), FrameIssue::kNone}; }
inline Got flagged(std::string s, FrameIssue issue) { return Got{std::move(s), issue}; }

enum class Split { kWhole, kBytes, kRandom };

// Feeds `data` in the given split, then finish(); checks buffered() <= bound after every feed.
inline std::vector<Got> frameAll(Framer& framer, std::string_view data, Split split,
                                 size_t bound, unsigned seed = 42) {
  std::vector<Got> out;
  FrameSink sink = [&](const Frame& f) { out.push_back(Got{std::string(f.bytes), f.issue}); };
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> len(1, 97);
  size_t i = 0;
  while (i < data.size()) {
    size_t n = data.size() - i;
    if (split == Split::kBytes) n = 1;
    if (split == Split::kRandom) n = std::min(n, len(rng));
    framer.feed(data.substr(i, n), sink);
    EXPECT_LE(framer.buffered(), bound) << "after feeding up to byte " << i + n;
    i += n;
  }
  framer.finish(sink);
  EXPECT_EQ(framer.buffered(), 0u) << "finish() leaves nothing behind";
  return out;
}

inline std::string octet(std::string_view msg) {
  return std::to_string(msg.size()) + " " + std::string(msg);
}

}  // namespace hinomi::collector::testing
