#include "collector/framing/auto_framer.h"

#include <gtest/gtest.h>

#include <random>
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

TEST(AutoFramerTest, DigitFirstMeansOctetCounting) {
  AutoFramer f;
  EXPECT_EQ(f.name(), "auto");
  std::vector<Got> got;
  FrameSink sink = [&](const Frame& fr) { got.push_back(Got{std::string(fr.bytes), fr.issue}); };
  f.feed(" \r\n" + octet("<13>a b\nc\n"), sink);
  EXPECT_EQ(f.mode(), AutoFramer::Mode::kOctetCounting);
  EXPECT_EQ(f.name(), "octet-counting");
  EXPECT_EQ(got, std::vector<Got>{ok("<13>a b\nc")});
}

TEST(AutoFramerTest, PriFirstMeansLf) {
  AutoFramer f;
  std::vector<Got> got;
  FrameSink sink = [&](const Frame& fr) { got.push_back(Got{std::string(fr.bytes), fr.issue}); };
  f.feed("\n<13>12 is not a count\n", sink);
  EXPECT_EQ(f.mode(), AutoFramer::Mode::kLf);
  EXPECT_EQ(got, std::vector<Got>{ok("<13>12 is not a count")});
}

TEST(AutoFramerTest, OtherFirstBytesFallBackToLf) {
  AutoFramer f;
  EXPECT_EQ(frameAll(f, "hello\nworld", Split::kBytes, kDefaultMaxFrameBytes),
            (std::vector<Got>{ok("hello"), ok("world")}));
}

// A PRI-less LF stream whose lines start with a date (or any digits not followed by a space) is
// LF framed, not a run of bad octet counts; a count split across reads is still a count.
TEST(AutoFramerTest, DigitsNotFollowedBySpaceMeanLf) {
  for (Split split : {Split::kWhole, Split::kBytes}) {
    AutoFramer f;
    EXPECT_EQ(frameAll(f, "2026-11-23 12:00:00 fw01 blocked\n20261123 second\n", split, kDefaultMaxFrameBytes),
              (std::vector<Got>{ok("2026-11-23 12:00:00 fw01 blocked"), ok("20261123 second")}));
    EXPECT_EQ(f.buffered(), 0u);
  }
  AutoFramer counted;
  std::vector<Got> got;
  FrameSink sink = [&](const Frame& fr) { got.push_back(Got{std::string(fr.bytes), fr.issue}); };
  counted.feed("1", sink);
  EXPECT_EQ(counted.mode(), AutoFramer::Mode::kUndecided);
  EXPECT_EQ(counted.buffered(), 1u);
  counted.feed("0 <13>1 - - ", sink);
  EXPECT_EQ(counted.mode(), AutoFramer::Mode::kOctetCounting);
  EXPECT_EQ(got, std::vector<Got>{ok("<13>1 - - ")});
  AutoFramer digits_only;
  got.clear();
  digits_only.feed("12345", sink);
  digits_only.finish(sink);
  EXPECT_EQ(got, std::vector<Got>{ok("12345")});
}

// Found by framing_fuzz: with exactly ten digits the decision looked at the byte after them when
// the stream came whole but not when it came byte by byte.
TEST(AutoFramerTest, TenAndElevenDigitsDecideTheSameInEverySplit) {
  for (const std::string& data : {std::string("3055511111 sho#\xc5\xcb" "51.100.9 "),
                                 std::string("30555111112 eleven digits\n"), std::string("1234567890")}) {
    AutoFramer whole;
    const auto expected = frameAll(whole, data, Split::kWhole, kDefaultMaxFrameBytes);
    for (Split split : {Split::kBytes, Split::kRandom}) {
      AutoFramer f;
      EXPECT_EQ(frameAll(f, data, split, kDefaultMaxFrameBytes), expected) << data;
    }
  }
  AutoFramer ten;
  std::vector<Got> got;
  FrameSink sink = [&](const Frame& fr) { got.push_back(Got{std::string(fr.bytes), fr.issue}); };
  for (char c : std::string("1234567890")) ten.feed(std::string_view(&c, 1), sink);
  EXPECT_EQ(ten.mode(), AutoFramer::Mode::kUndecided) << "ten digits: the next byte decides";
  ten.feed("x", sink);
  EXPECT_EQ(ten.mode(), AutoFramer::Mode::kLf);
}

TEST(AutoFramerTest, OctetStreamThatStartsAFrameWithPriSwitchesToLf) {
  const std::string wire = octet("<13>counted\n") + "\n<14>lf one\n<15>lf two\n" + "7 <16>x\n";
  for (Split s : {Split::kWhole, Split::kBytes, Split::kRandom}) {
    AutoFramer f;
    EXPECT_EQ(frameAll(f, wire, s, kDefaultMaxFrameBytes),
              (std::vector<Got>{ok("<13>counted"), ok("<14>lf one"), ok("<15>lf two"),
                                ok("7 <16>x")}))
        << "LF for the rest of the connection";
  }
}

TEST(AutoFramerTest, OversizeIsBoundedInBothModes) {
  const std::string big = "<13>" + std::string(200, 'b');
  for (Split s : {Split::kWhole, Split::kBytes, Split::kRandom}) {
    AutoFramer octet_mode(64);
    EXPECT_EQ(frameAll(octet_mode, octet(big) + octet("<1>x"), s, 64),
              (std::vector<Got>{flagged(big.substr(0, 64), FrameIssue::kOversize), ok("<1>x")}));
    AutoFramer lf_mode(64);
    EXPECT_EQ(frameAll(lf_mode, big + "\n<1>x\n", s, 64),
              (std::vector<Got>{flagged(big.substr(0, 64), FrameIssue::kOversize), ok("<1>x")}));
  }
}

TEST(AutoFramerTest, NulTerminatorIsPassedToLfMode) {
  AutoFramer f(kDefaultMaxFrameBytes, /*nul_ends_frame=*/true);
  EXPECT_EQ(frameAll(f, "<13>a\0<14>b\0"s, Split::kBytes, kDefaultMaxFrameBytes),
            (std::vector<Got>{ok("<13>a"), ok("<14>b")}));
}

TEST(AutoFramerTest, FinishResetsForReuse) {
  AutoFramer f;
  std::vector<Got> got;
  FrameSink sink = [&](const Frame& fr) { got.push_back(Got{std::string(fr.bytes), fr.issue}); };
  f.feed("30 <13>cut", sink);
  f.finish(sink);
  EXPECT_EQ(f.mode(), AutoFramer::Mode::kUndecided);
  f.feed("<14>lf", sink);
  f.finish(sink);
  EXPECT_EQ(got, (std::vector<Got>{flagged("<13>cut", FrameIssue::kTruncatedAtEnd), ok("<14>lf")}));
}

// Any stream, any split: the same frames, and never more than the limit held.
TEST(AutoFramerTest, RandomStreamsGiveTheSameFramesInEverySplit) {
  std::mt19937 rng(1234);
  const std::string alphabet = "<>0123456789 \n\r\0abc"s;
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<size_t> len(0, 400);
  for (int round = 0; round < 300; ++round) {
    std::string wire(len(rng), ' ');
    for (char& c : wire) c = alphabet[pick(rng)];
    for (bool nul : {false, true}) {
      AutoFramer whole(24, nul), bytes(24, nul), chunks(24, nul);
      const auto want = frameAll(whole, wire, Split::kWhole, 24);
      EXPECT_EQ(frameAll(bytes, wire, Split::kBytes, 24), want) << "round " << round;
      EXPECT_EQ(frameAll(chunks, wire, Split::kRandom, 24, round), want) << "round " << round;
      for (const Got& g : want) EXPECT_LE(g.bytes.size(), 24u);
    }
  }
}

}  // namespace
}  // namespace hinomi::collector
