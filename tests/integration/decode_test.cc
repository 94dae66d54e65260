// `hinomi decode` as users run it: one JSON event out per line in, in order.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "common/event.h"
#include "tests/testing/child_process.h"
#include "tests/testing/json_lines.h"
#include "tests/testing/temp_dir.h"

namespace hinomi {
namespace {

using testing::runProgram;
using testing::TempDir;

const std::string kDecoders = std::string(HINOMI_SOURCE_DIR) + "/config/decoders";

// A config whose decoders are the shipped ones, wherever the test runs.
std::string writeConfig(const TempDir& dir) {
  return dir.write("hinomi.yaml", "correlator:\n  decoders: [" + kDecoders + "]\n");
}

TEST(DecodeTest, OneEventPerLineInOrder) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  auto log = dir.write("auth.log",
                       "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\r\n"
                       "\n"
                       "not syslog at all \xff\xfe\n"
                       "Dec 10 07:13:43 LabSZ sshd[24227]: Failed password for root from ::ffff:5.36.59.76 port 42393 ssh2\n"
                       "{\"event_type\":\"alert\",\"flow_id\":1,\"src_ip\":\"203.0.113.45\",\"alert\":{\"signature_id\":7}}");
  auto r = runProgram({HINOMI_BINARY, "decode", "-c", cfg, log});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto ev = testing::eventLines(r.out);
  ASSERT_EQ(ev.size(), 5u) << r.out;
  EXPECT_EQ(ev[0].decoder, "syslog,sshd");
  EXPECT_EQ(ev[0].fields["event.action"], "invalid_user");
  EXPECT_EQ(ev[0].tenant, "default");
  EXPECT_EQ(ev[0].listener, "decode");
  EXPECT_EQ(ev[1].decoder, "");
  EXPECT_EQ(ev[2].decoder, "");
  EXPECT_EQ(ev[3].fields["source.ip"], "5.36.59.76");
  EXPECT_EQ(ev[3].fields["source.port"], 42393);
  EXPECT_EQ(ev[4].decoder, "suricata,suricata-alert");
  EXPECT_EQ(ev[4].fields["rule.id"], 7);
}

TEST(DecodeTest, DashReadsStdinAndExtraDecoderDirectoriesAdd) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  std::filesystem::create_directory(dir.path() / "extra");
  dir.write("extra/door.yaml",
            "decoders:\n  - name: door\n    prefilter: DOOR\n    patterns: ['DOOR (?P<user_name>\\w+) denied']\n"
            "    fields: {event.action: door_access, event.outcome: failure}\n");
  auto input = dir.write("in.txt", "DOOR tanaka denied\nDOOR suzuki opened\n");
  std::string extra = (dir.path() / "extra").string();
  // stdin from the file, argv without a shell.
  testing::ChildProcess child([&]() -> int {
    int fd = open(input.c_str(), O_RDONLY);
    if (fd < 0 || dup2(fd, 0) < 0) return 126;
    std::vector<const char*> argv = {HINOMI_BINARY, "decode", "-c", cfg.c_str(), "--decoders", extra.c_str(), "-", nullptr};
    execv(argv[0], const_cast<char* const*>(argv.data()));
    return 127;
  });
  ASSERT_EQ(child.wait(std::chrono::seconds(60)), 0) << child.stderrText();
  std::string out = child.stdoutText();
  auto ev = testing::eventLines(out);
  ASSERT_EQ(ev.size(), 2u) << out;
  EXPECT_EQ(ev[0].decoder, "door");
  EXPECT_EQ(ev[0].fields["user.name"], "tanaka");
  EXPECT_EQ(ev[1].decoder, "");
}

TEST(DecodeTest, WithRulesEachEventListsTheRulesItMatches) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  std::filesystem::create_directory(dir.path() / "rules");
  dir.write("rules/root.yml", "title: Root Password Failure\nid: root-fail\nlevel: high\n"
                              "logsource: {product: linux}\ndetection:\n  sel: {user.name: root, event.outcome: failure}\n"
                              "  condition: sel\n");
  dir.write("rules/broken.yml", "title: b\nid: b\ndetection:\n  sel: {a|nosuch: b}\n  condition: sel\n");
  auto input = dir.write("in.txt",
                         "<38>Nov 23 10:00:01 web1 sshd[811]: Failed password for root from 203.0.113.9 port 52113 ssh2\n"
                         "<38>Nov 23 10:00:02 web1 sshd[811]: Failed password for alice from 203.0.113.9 port 52114 ssh2\n");
  auto r = runProgram({HINOMI_BINARY, "decode", "-c", cfg, "--rules", dir.file("rules"), input});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("broken.yml:4:"), std::string::npos) << r.err;  // refused, listed; the other matches
  std::istringstream in(r.out);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 2u) << r.out;
  // With -c, the config's rules (here the default, config/rules of the working directory) match too.
  auto ids = [](const nlohmann::json& line) {
    std::map<std::string, std::string> out;  // id → level
    for (const auto& m : line["matched_rules"]) out[m["id"]] = m["level"];
    return out;
  };
  EXPECT_EQ(ids(lines[0]).count("root-fail"), 1u) << r.out;
  EXPECT_EQ(ids(lines[0])["root-fail"], "high");
  EXPECT_EQ(lines[0]["fields"]["user.name"], "root");
  EXPECT_EQ(ids(lines[1]).count("root-fail"), 0u) << r.out;  // alice

  auto plain = runProgram({HINOMI_BINARY, "decode", "-c", cfg, input});  // no --rules: the event alone
  ASSERT_EQ(plain.exit_code, 0);
  EXPECT_EQ(plain.out.find("matched_rules"), std::string::npos);
}

TEST(DecodeTest, BadDecoderFilesExitTwoWithLocations) {
  TempDir dir;
  auto cfg = writeConfig(dir);
  std::filesystem::create_directory(dir.path() / "bad");
  auto bad = dir.write("bad/x.yaml", "decoders:\n  - name: x\n    app: a\n    types: {a: float}\n");
  auto r = runProgram({HINOMI_BINARY, "decode", "-c", cfg, "--decoders", (dir.path() / "bad").string(), "-"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, bad + ":4:16: error: decoder 'x'.types.a: unknown type 'float' (known: string, ip, int, timestamp)\n"
                         "1 error in the decoders\n");
}

}  // namespace
}  // namespace hinomi
