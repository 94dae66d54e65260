// Frames the real wire captures (tests/golden/framing/, copied from the capture set described in
// its README) with AutoFramer, as a listener would.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include "collector/framing/auto_framer.h"
#include "tests/unit/collector/framing/framing_test_util.h"

namespace hinomi::collector {
namespace {

using testing::frameAll;
using testing::Got;
using testing::Split;

std::string readCapture(const std::string& name) {
  const std::string path = std::string(HINOMI_SOURCE_DIR) + "/tests/golden/framing/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Capture {
  const char* file;
  AutoFramer::Mode mode;
  size_t messages;  // what the sender sent (README: loggen -n 3, two rsyslog inputs, ...)
};

constexpr auto kOctet = AutoFramer::Mode::kOctetCounting;
constexpr auto kLf = AutoFramer::Mode::kLf;

const Capture kCaptures[] = {
    {"loggen_tcp_bsd.bin", kLf, 3},
    {"loggen_tcp_replay_dontparse.bin", kLf, 2},
    {"loggen_tcp_rfc5424_octet.bin", kOctet, 3},
    {"loggen_tcp_rfc5424_sdata_octet.bin", kOctet, 2},
    {"loggen_tls_rfc5424_octet.bin", kOctet, 3},
    {"logger_tcp_rfc3164_file_octet.bin", kOctet, 2},
    {"logger_tcp_rfc5424_nonoctet.bin", kLf, 1},
    {"logger_tcp_rfc5424_nonoctet_file.bin", kLf, 3},
    {"logger_tcp_rfc5424_octet.bin", kOctet, 1},
    {"rsyslog_omfwd_tcp_default_traditional.bin", kLf, 2},
    {"rsyslog_omfwd_tcp_rfc5424_octet.bin", kOctet, 2},
    {"rsyslog_omfwd_tls_gtls_rfc5424_octet.bin", kOctet, 2},
    {"rsyslog_omfwd_tls_ossl_rfc5424_octet.bin", kOctet, 2},
    {"syslogng_network_tcp_bsd.bin", kLf, 2},
    {"syslogng_network_tcp_bsd_MISPARSED_5424_INPUT.bin", kLf, 2},
    {"syslogng_network_tcp_syslogprotocol.bin", kLf, 2},
    {"syslogng_syslog_tcp_rfc5424_octet.bin", kOctet, 2},
    {"syslogng_syslog_tcp_rfc5424_octet_MISPARSED_5424_INPUT.bin", kOctet, 2},
    {"syslogng_syslog_tls_rfc5425.bin", kOctet, 2},
    {"tls_gnutls_cli_rfc5425.bin", kOctet, 1},
    {"tls_openssl_s_client_rfc5425.bin", kOctet, 1},
    {"tls_socat_rfc5425.bin", kOctet, 1},
};

// PRI starts in the raw capture: at the start, after an LF, or after an octet count.
size_t countPriStarts(const std::string& wire) {
  static const std::regex kPriStart(R"((^|\n|[0-9] )<[0-9]{1,3}>)");
  return std::distance(std::sregex_iterator(wire.begin(), wire.end(), kPriStart),
                       std::sregex_iterator());
}

class FramingWireCaptureTest : public ::testing::TestWithParam<Capture> {};

TEST_P(FramingWireCaptureTest, SameFramesInEverySplitOnePerMessage) {
  const Capture& c = GetParam();
  const std::string wire = readCapture(c.file);
  ASSERT_FALSE(wire.empty());
  ASSERT_EQ(countPriStarts(wire), c.messages) << "the capture itself";

  AutoFramer whole;
  const std::vector<Got> want = frameAll(whole, wire, Split::kWhole, kDefaultMaxFrameBytes);
  ASSERT_EQ(want.size(), c.messages);
  for (const Got& g : want) {
    EXPECT_EQ(g.issue, FrameIssue::kNone) << g;
    ASSERT_FALSE(g.bytes.empty());
    EXPECT_EQ(g.bytes.front(), '<') << g;
    EXPECT_NE(g.bytes.back(), '\n') << g;
    EXPECT_TRUE(std::regex_search(g.bytes, std::regex("^<[0-9]{1,3}>"))) << g;
  }

  AutoFramer bytes;
  EXPECT_EQ(frameAll(bytes, wire, Split::kBytes, kDefaultMaxFrameBytes), want);
  for (unsigned seed : {1u, 2u, 3u}) {
    AutoFramer chunks;
    EXPECT_EQ(frameAll(chunks, wire, Split::kRandom, kDefaultMaxFrameBytes, seed), want);
  }

  AutoFramer probe;
  probe.feed(wire, [](const Frame&) {});
  EXPECT_EQ(probe.mode(), c.mode);
}

INSTANTIATE_TEST_SUITE_P(Captures, FramingWireCaptureTest, ::testing::ValuesIn(kCaptures),
                         [](const ::testing::TestParamInfo<Capture>& info) {
                           std::string name = info.param.file;
                           name = name.substr(0, name.find('.'));
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(FramingWireCaptureExactTest, RsyslogCountsTheLfInsideTheFrame) {
  AutoFramer f;
  const auto got = frameAll(f, readCapture("rsyslog_omfwd_tcp_rfc5424_octet.bin"), Split::kBytes,
                            kDefaultMaxFrameBytes);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].bytes,
            "<38>1 2026-11-23T07:20:39+00:00 vm sshd 811 - -  Accepted publickey for taro from "
            "198.51.100.7 port 61000 ssh2");
  EXPECT_EQ(got[0].bytes.size(), 110u);  // MSG-LEN 111 less the counted LF
}

TEST(FramingWireCaptureExactTest, LoggerOctetFramesWithoutLfKeepRawUtf8) {
  AutoFramer f;
  const auto got = frameAll(f, readCapture("logger_tcp_rfc3164_file_octet.bin"), Split::kBytes,
                            kDefaultMaxFrameBytes);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].bytes, "<13>Nov 23 07:20:14 vm app: first line");
  EXPECT_EQ(got[1].bytes.size(), 67u);
  EXPECT_EQ(got[1].bytes.substr(got[1].bytes.size() - 3), "\xe3\x83\x88");  // ト
}

TEST(FramingWireCaptureExactTest, LoggerEmptyMessageLineIsStillAFrame) {
  AutoFramer f;
  const auto got = frameAll(f, readCapture("logger_tcp_rfc5424_nonoctet_file.bin"), Split::kWhole,
                            kDefaultMaxFrameBytes);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].bytes.back(), ' ');  // header + SD, then the empty MSG
}

// loggen -s 100 (below its 127-byte minimum) sends messages back to back with no terminator.
// AutoFramer sees '<' and frames by LF; with no LF the whole stream is one line. It is not split
// at "<PRI>": that would also split messages quoting a syslog line. So: one frame at finish()
// (the connection closing) holding all three messages, and on a long-lived connection the first
// max_frame_bytes flagged kOversize, the rest skipped.
TEST(FramingWireCaptureExactTest, LoggenUndersizeWithoutTerminatorsIsOneLine) {
  const std::string wire = readCapture("loggen_tcp_bsd_undersize_no_lf.bin");
  ASSERT_EQ(wire.size(), 381u);
  ASSERT_EQ(countPriStarts(wire), 3u);  // loggen -n 3; each "<38>" follows "...:31 "
  for (Split s : {Split::kWhole, Split::kBytes, Split::kRandom}) {
    AutoFramer f;
    const auto got = frameAll(f, wire, s, kDefaultMaxFrameBytes);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], testing::ok(wire));  // all three messages, no byte lost
    EXPECT_EQ(f.mode(), AutoFramer::Mode::kUndecided);  // reset by finish()
  }
  AutoFramer tight(128);
  std::vector<Got> got;
  FrameSink sink = [&](const Frame& fr) { got.push_back(Got{std::string(fr.bytes), fr.issue}); };
  tight.feed(wire, sink);
  EXPECT_LE(tight.buffered(), 128u);
  tight.finish(sink);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], testing::flagged(wire.substr(0, 128), FrameIssue::kOversize));
}

}  // namespace
}  // namespace hinomi::collector
