#include "collector/framing/octet_counting_framer.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/collector/framing/framing_test_util.h"

namespace hinomi::collector {
namespace {

using testing::flagged;
using testing::frameAll;
using testing::Got;
using testing::octet;
using testing::ok;
using testing::Split;
using namespace std::string_literals;

std::vector<Got> frames(std::string_view data, Split split = Split::kWhole,
                        size_t max = kDefaultMaxFrameBytes) {
  OctetCountingFramer f(max);
  return frameAll(f, data, split, f.maxFrameBytes());
}

TEST(OctetCountingFramerTest, DeliversCountedFrames) {
  const std::string wire = octet("<13>first") + octet("<14>second one");
  for (Split s : {Split::kWhole, Split::kBytes, Split::kRandom}) {
    EXPECT_EQ(frames(wire, s), (std::vector<Got>{ok("<13>first"), ok("<14>second one")}));
  }
}

TEST(OctetCountingFramerTest, SplitAtEveryByteIncludingInsideTheCount) {
  const std::string wire = octet(std::string(120, 'x') + "<13>") + octet("<14>b\n") + "\n";
  const std::vector<Got> want = {ok(std::string(120, 'x') + "<13>"), ok("<14>b")};
  for (size_t cut = 0; cut <= wire.size(); ++cut) {
    OctetCountingFramer f;
    std::vector<Got> got;
    FrameSink sink = [&](const Frame& fr) { got.push_back(Got{std::string(fr.bytes), fr.issue}); };
    f.feed(std::string_view(wire).substr(0, cut), sink);
    f.feed(std::string_view(wire).substr(cut), sink);
    f.finish(sink);
    EXPECT_EQ(got, want) << "cut at " << cut;
  }
}

TEST(OctetCountingFramerTest, StripsOneLfCountedInsideTheFrame) {
  // rsyslog / syslog-ng: the LF is part of MSG-LEN.
  EXPECT_EQ(frames("8 <13>abc\n"), std::vector<Got>{ok("<13>abc")});
  // Only one: a second LF is message content.
  EXPECT_EQ(frames("9 <13>abc\n\n"), std::vector<Got>{ok("<13>abc\n")});
  // A counted CR stays (it is not framing).
  EXPECT_EQ(frames("9 <13>abc\r\n"), std::vector<Got>{ok("<13>abc\r")});
}

TEST(OctetCountingFramerTest, SkipsLfCrNulBetweenFrames) {
  // Senders that add an uncounted LF (or CRLF, or NUL) after each frame.
  const std::string wire = "7 <13>abc\n7 <14>def\r\n\0\n7 <15>ghi\n"s;
  for (Split s : {Split::kWhole, Split::kBytes, Split::kRandom}) {
    EXPECT_EQ(frames(wire, s), (std::vector<Got>{ok("<13>abc"), ok("<14>def"), ok("<15>ghi")}));
  }
}

TEST(OctetCountingFramerTest, BadCountIsFlaggedAndResyncsAtLf) {
  const std::string wire = "abc def\n12x <13>\r\n7 <14>def";
  for (Split s : {Split::kWhole, Split::kBytes, Split::kRandom}) {
    EXPECT_EQ(frames(wire, s),
              (std::vector<Got>{flagged("abc def", FrameIssue::kBadOctetCount),
                                flagged("12x <13>", FrameIssue::kBadOctetCount), ok("<14>def")}));
  }
}

TEST(OctetCountingFramerTest, ZeroAndTenDigitCountsAreBad) {
  EXPECT_EQ(frames("0 abc\n3 xyz"),
            (std::vector<Got>{flagged("0 abc", FrameIssue::kBadOctetCount), ok("xyz")}));
  EXPECT_EQ(frames("1234567890 x\n3 xyz"),
            (std::vector<Got>{flagged("1234567890 x", FrameIssue::kBadOctetCount), ok("xyz")}));
  // A pure octet framer has no LF fallback: a PRI where a count should be is a bad count.
  EXPECT_EQ(frames("<13>abc\n"), std::vector<Got>{flagged("<13>abc", FrameIssue::kBadOctetCount)});
}

TEST(OctetCountingFramerTest, LongBadLineIsBoundedAndResyncs) {
  const std::string junk(100, 'j');
  for (Split s : {Split::kWhole, Split::kBytes, Split::kRandom}) {
    EXPECT_EQ(frames(junk + "\n3 xyz", s, 32),
              (std::vector<Got>{flagged(junk.substr(0, 32), FrameIssue::kBadOctetCount),
                                ok("xyz")}));
  }
}

TEST(OctetCountingFramerTest, OversizeDeliversThePrefixAndSkipsTheRestUnbuffered) {
  const std::string big(100, 'B');
  const std::string wire = octet("<13>" + big) + octet("<14>next");
  for (Split s : {Split::kWhole, Split::kBytes, Split::kRandom}) {
    // frameAll checks buffered() <= 32 after every feed.
    EXPECT_EQ(frames(wire, s, 32),
              (std::vector<Got>{flagged(("<13>" + big).substr(0, 32), FrameIssue::kOversize),
                                ok("<14>next")}));
  }
}

TEST(OctetCountingFramerTest, HugeCountNeverBuffersMoreThanTheLimit) {
  OctetCountingFramer f(64);
  std::vector<Got> got;
  FrameSink sink = [&](const Frame& fr) { got.push_back(Got{std::string(fr.bytes), fr.issue}); };
  f.feed("999999999 ", sink);
  const std::string chunk(4096, 'z');
  for (int i = 0; i < 100; ++i) {
    f.feed(chunk, sink);
    ASSERT_LE(f.buffered(), 64u);
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], flagged(std::string(64, 'z'), FrameIssue::kOversize));
  f.finish(sink);  // still skipping: the frame was already delivered (flagged)
  EXPECT_EQ(got.size(), 1u);
}

TEST(OctetCountingFramerTest, CountedLfJustPastTheLimitIsNotOversize) {
  const std::string msg(32, 'm');
  // 33 counted bytes, the last one the LF: the message itself fits in 32.
  EXPECT_EQ(frames(octet(msg + "\n") + octet("<1>x"), Split::kBytes, 32),
            (std::vector<Got>{ok(msg), ok("<1>x")}));
  EXPECT_EQ(frames(octet(msg + "!") + octet("<1>x"), Split::kWhole, 32),
            (std::vector<Got>{flagged(msg, FrameIssue::kOversize), ok("<1>x")}));
}

TEST(OctetCountingFramerTest, FinishDeliversAPartialFrameFlagged) {
  EXPECT_EQ(frames("20 <13>abc"),
            std::vector<Got>{flagged("<13>abc", FrameIssue::kTruncatedAtEnd)});
  EXPECT_EQ(frames("7 <13>abc12"),
            (std::vector<Got>{ok("<13>abc"), flagged("12", FrameIssue::kTruncatedAtEnd)}));
  EXPECT_EQ(frames("5 "), std::vector<Got>{flagged("", FrameIssue::kTruncatedAtEnd)});
  EXPECT_EQ(frames("bad count"),
            std::vector<Got>{flagged("bad count", FrameIssue::kBadOctetCount)});
  EXPECT_EQ(frames("3 abc\n\n"), std::vector<Got>{ok("abc")});
}

TEST(OctetCountingFramerTest, IsReusableAfterFinish) {
  OctetCountingFramer f;
  std::vector<Got> got;
  FrameSink sink = [&](const Frame& fr) { got.push_back(Got{std::string(fr.bytes), fr.issue}); };
  f.feed("10 abc", sink);
  f.finish(sink);
  f.feed("3 xyz", sink);
  f.finish(sink);
  EXPECT_EQ(got, (std::vector<Got>{flagged("abc", FrameIssue::kTruncatedAtEnd), ok("xyz")}));
}

TEST(OctetCountingFramerTest, RoundTripsRandomMessagesInAnySplit) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> len(1, 300);
  std::string wire;
  std::vector<Got> want;
  for (int i = 0; i < 200; ++i) {
    std::string msg(len(rng), '\0');
    for (char& c : msg) c = static_cast<char>(byte(rng));
    if (msg.back() == '\n') msg.back() = 'x';  // a trailing LF would be stripped
    wire += octet(msg);
    if (i % 3 == 0) wire += "\n";
    want.push_back(ok(msg));
  }
  for (unsigned seed = 1; seed <= 5; ++seed) {
    OctetCountingFramer f(300);
    EXPECT_EQ(frameAll(f, wire, Split::kRandom, 300, seed), want) << "seed " << seed;
  }
}

}  // namespace
}  // namespace hinomi::collector
