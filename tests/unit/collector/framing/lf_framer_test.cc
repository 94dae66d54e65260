#include "collector/framing/lf_framer.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/collector/framing/framing_test_util.h"

namespace hinomi::collector {
namespace {

using testing::flagged;
using testing::frameAll;
using testing::Got;
using testing::ok;
using testing::Split;
using namespace std::string_literals;

std::vector<Got> frames(std::string_view data, Split split = Split::kWhole,
                        size_t max = kDefaultMaxFrameBytes, bool nul = false) {
  LfFramer f(max, nul);
  return frameAll(f, data, split, f.maxFrameBytes());
}

TEST(LfFramerTest, SplitsAtLfInAnySplit) {
  const std::string wire = "<13>one\n<14>two\n<15>three\n";
  for (Split s : {Split::kWhole, Split::kBytes, Split::kRandom}) {
    EXPECT_EQ(frames(wire, s), (std::vector<Got>{ok("<13>one"), ok("<14>two"), ok("<15>three")}));
  }
}

TEST(LfFramerTest, StripsTheCrOfCrlf) {
  for (Split s : {Split::kWhole, Split::kBytes}) {
    EXPECT_EQ(frames("<13>one\r\n<14>two\r\r\n", s),
              (std::vector<Got>{ok("<13>one"), ok("<14>two\r")}));
  }
}

TEST(LfFramerTest, SkipsEmptyLines) {
  EXPECT_EQ(frames("\n\n<13>one\n\r\n\n<14>two\n\n"),
            (std::vector<Got>{ok("<13>one"), ok("<14>two")}));
  EXPECT_EQ(frames("\n\r\n"), std::vector<Got>{});
}

TEST(LfFramerTest, NulEndsAFrameOnlyWhenAsked) {
  const std::string wire = "<13>one\0<14>two\0\0<15>three\n"s;
  for (Split s : {Split::kWhole, Split::kBytes}) {
    EXPECT_EQ(frames(wire, s, kDefaultMaxFrameBytes, /*nul=*/true),
              (std::vector<Got>{ok("<13>one"), ok("<14>two"), ok("<15>three")}));
  }
  EXPECT_EQ(frames(wire), std::vector<Got>{ok("<13>one\0<14>two\0\0<15>three"s)});
}

TEST(LfFramerTest, OversizeLineDeliversThePrefixAndSkipsTheRestUnbuffered) {
  const std::string line = "<13>" + std::string(100, 'L');
  for (Split s : {Split::kWhole, Split::kBytes, Split::kRandom}) {
    // frameAll checks buffered() <= 32 after every feed.
    EXPECT_EQ(frames(line + "\n<14>next\n", s, 32),
              (std::vector<Got>{flagged(line.substr(0, 32), FrameIssue::kOversize),
                                ok("<14>next")}));
  }
}

TEST(LfFramerTest, EndlessLineNeverBuffersMoreThanTheLimit) {
  LfFramer f(64);
  std::vector<Got> got;
  FrameSink sink = [&](const Frame& fr) { got.push_back(Got{std::string(fr.bytes), fr.issue}); };
  const std::string chunk(4096, 'z');
  for (int i = 0; i < 100; ++i) {
    f.feed(chunk, sink);
    ASSERT_LE(f.buffered(), 64u);
  }
  f.feed("\n<13>after\n", sink);
  EXPECT_EQ(got, (std::vector<Got>{flagged(std::string(64, 'z'), FrameIssue::kOversize),
                                   ok("<13>after")}));
}

TEST(LfFramerTest, LineOfExactlyTheLimitFitsWithLfOrCrlf) {
  const std::string line(32, 'x');
  for (Split s : {Split::kWhole, Split::kBytes, Split::kRandom}) {
    EXPECT_EQ(frames(line + "\r\n" + line + "\n" + line + "\r", s, 32),
              (std::vector<Got>{ok(line), ok(line), ok(line)}));
    // 32 bytes + CR + something else: 33 bytes of line.
    EXPECT_EQ(frames(line + "\ry\n<1>z\n", s, 32),
              (std::vector<Got>{flagged(line, FrameIssue::kOversize), ok("<1>z")}));
  }
}

TEST(LfFramerTest, FinishDeliversALastLineWithoutLf) {
  EXPECT_EQ(frames("<13>one\n<14>partial"), (std::vector<Got>{ok("<13>one"), ok("<14>partial")}));
  EXPECT_EQ(frames("<14>partial\r"), std::vector<Got>{ok("<14>partial")});
  // The rest of an oversize line is not a new frame.
  EXPECT_EQ(frames(std::string(40, 'o'), Split::kWhole, 32),
            std::vector<Got>{flagged(std::string(32, 'o'), FrameIssue::kOversize)});
}

}  // namespace
}  // namespace hinomi::collector
