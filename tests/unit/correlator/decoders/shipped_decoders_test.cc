// The decoders in config/decoders against real lines (tests/data/decoders, tests/data/loghub):
// line in, the fields a rule relies on out.
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "collector/parsers/parser_factory.h"
#include "correlator/decoders/decoder_loader.h"

namespace hinomi::correlator {
namespace {

const std::string kData = std::string(HINOMI_SOURCE_DIR) + "/tests/data/";

const DecoderSet& shipped() {
  static const DecoderLoad load = loadDecoderDirectories({std::string(HINOMI_SOURCE_DIR) + "/config/decoders"});
  EXPECT_TRUE(load.ok()) << load.errorText();
  return load.set;
}

std::vector<std::string> readLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

Event decodeLine(const std::string& line) {
  static const auto parser = collector::makeParser("auto");
  Event e;
  collector::ParseContext ctx;
  ctx.ingest_ts_us = 1'800'000'000'000'000;
  ctx.peer = "192.0.2.254";
  parser->parse(line, ctx, e);
  shipped().decode(e);
  return e;
}

// Checks `expected` (field → value) and event.decoder; prints the event on failure.
void expectFields(const Event& e, const std::string& decoder, const nlohmann::json& expected) {
  SCOPED_TRACE(toJson(e));
  EXPECT_EQ(e.decoder, decoder);
  EXPECT_FALSE(e.fields.contains("hinomi.decode_errors"));
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    if (it.value().is_null()) EXPECT_FALSE(e.fields.contains(it.key())) << it.key();
    else EXPECT_EQ(e.fields[it.key()], FieldValue::fromJson(it.value())) << it.key();
  }
}

TEST(ShippedDecodersTest, AllLoad) { EXPECT_GE(shipped().size(), 10u); }

TEST(ShippedDecodersTest, Sshd) {
  auto l = readLines(kData + "decoders/sshd.log");
  ASSERT_EQ(l.size(), 16u);
  const std::string d = "syslog,sshd";
  expectFields(decodeLine(l[0]), d, {{"event.action", "ssh_login"}, {"event.outcome", "failure"}, {"user.name", "root"},
                                     {"source.ip", "5.36.59.76"}, {"source.port", 42393}, {"sshd.method", "password"},
                                     {"process.name", "sshd"}, {"process.pid", 24227}, {"sshd.invalid_user", nullptr}});
  expectFields(decodeLine(l[1]), d, {{"event.action", "ssh_login"}, {"event.outcome", "failure"},
                                     {"user.name", "webmaster"}, {"source.ip", "173.234.31.186"},
                                     {"source.port", 38926}, {"sshd.invalid_user", true}});
  expectFields(decodeLine(l[2]), d, {{"event.action", "ssh_login"}, {"event.outcome", "success"}, {"user.name", "fztu"},
                                     {"source.ip", "119.137.62.142"}, {"source.port", 49116}});
  expectFields(decodeLine(l[3]), d, {{"event.action", "invalid_user"}, {"event.outcome", "failure"},
                                     {"user.name", "webmaster"}, {"source.ip", "173.234.31.186"}});
  expectFields(decodeLine(l[4]), d, {{"event.action", "invalid_user_request"}, {"user.name", "webmaster"}});
  expectFields(decodeLine(l[5]), d, {{"event.action", "disconnect"}, {"source.ip", "52.80.34.196"},
                                     {"sshd.disconnect_code", 11}, {"event.reason", "Bye Bye"}});
  expectFields(decodeLine(l[6]), d, {{"event.action", "connection_closed"}, {"source.ip", "173.234.31.186"}});
  expectFields(decodeLine(l[7]), d, {{"event.action", "no_identification"}, {"source.ip", "123.235.32.19"}});
  expectFields(decodeLine(l[8]), d, {{"event.action", "reverse_mapping_failed"}, {"source.ip", "173.234.31.186"},
                                     {"source.domain", "ns.marryaldkfaczcz.com"}});
  expectFields(decodeLine(l[9]), "syslog,pam,sshd",
               {{"event.action", "pam_auth_failure"}, {"event.outcome", "failure"}, {"source.ip", "173.234.31.186"},
                {"pam.service", "sshd"}, {"user.id", 0}, {"process.name", "sshd"}});
  expectFields(decodeLine(l[10]), "syslog,pam,sshd", {{"event.action", "pam_user_unknown"}});
  expectFields(decodeLine(l[11]), d, {{"event.action", "too_many_auth_failures"}, {"user.name", "root"}});
  expectFields(decodeLine(l[12]), d, {{"event.action", "ssh_login"}, {"syslog.repeat_count", 5}, {"user.name", "root"},
                                      {"source.ip", "5.36.59.76"}});
  expectFields(decodeLine(l[13]), d, {{"event.action", "ssh_login"}, {"sshd.method", "none"}, {"user.name", "0"},
                                      {"sshd.invalid_user", true}});
  // IPv4-mapped and upper-case IPv6 addresses are normalised; RFC 5424 works as well as 3164.
  expectFields(decodeLine(l[14]), d, {{"event.outcome", "success"}, {"sshd.method", "publickey"},
                                      {"source.ip", "192.0.2.10"}, {"user.name", "deploy"}});
  expectFields(decodeLine(l[15]), d, {{"event.outcome", "failure"}, {"source.ip", "2001:db8::7"},
                                      {"user.name", "admin"}, {"process.pid", 4122}});
}

TEST(ShippedDecodersTest, SuAndSudo) {
  auto su = readLines(kData + "decoders/su.log");
  ASSERT_EQ(su.size(), 5u);
  expectFields(decodeLine(su[0]), "syslog,pam,su",
               {{"event.action", "session_opened"}, {"user.name", "cyrus"}, {"user.effective.id", 0},
                {"process.name", "su"}});
  expectFields(decodeLine(su[1]), "syslog,pam,su", {{"event.action", "session_closed"}, {"user.name", "cyrus"}});
  expectFields(decodeLine(su[2]), "syslog,su", {{"event.action", "su"}, {"event.outcome", "failure"},
                                               {"user.name", "alice"}, {"user.effective.name", "root"},
                                               {"process.tty.name", "pts/0"}});
  expectFields(decodeLine(su[3]), "syslog,su", {{"event.action", "su"}, {"event.outcome", "success"},
                                               {"user.name", "alice"}, {"user.effective.name", "root"}});
  expectFields(decodeLine(su[4]), "syslog,pam,su", {{"event.action", "session_opened"}, {"user.name", "root"},
                                                   {"user.effective.name", "alice"}, {"user.effective.id", 1000}});

  auto sudo = readLines(kData + "decoders/sudo.log");
  ASSERT_EQ(sudo.size(), 3u);
  expectFields(decodeLine(sudo[0]), "syslog,sudo",
               {{"event.action", "sudo_command"}, {"event.outcome", "success"}, {"user.name", "alice"},
                {"user.effective.name", "root"}, {"process.working_directory", "/home/alice"},
                {"process.command_line", "/usr/bin/systemctl restart nginx"}});
  expectFields(decodeLine(sudo[1]), "syslog,sudo",
               {{"event.action", "sudo_command"}, {"event.outcome", "failure"}, {"user.name", "bob"},
                {"event.reason", "user NOT in sudoers"}, {"process.command_line", "/bin/bash"}});
  expectFields(decodeLine(sudo[2]), "syslog,pam,sudo",
               {{"event.action", "pam_auth_failure"}, {"user.name", "bob"}, {"pam.service", "sudo"},
                {"source.ip", nullptr}});
}

TEST(ShippedDecodersTest, FortiGateKeyValue) {
  auto l = readLines(kData + "decoders/fortigate_kv.log");
  ASSERT_EQ(l.size(), 2u);
  expectFields(decodeLine(l[0]), "fortigate,fortigate-traffic",
               {{"source.ip", "10.20.1.15"}, {"source.port", 51544}, {"destination.ip", "203.0.113.80"},
                {"destination.port", 443}, {"event.action", "deny"}, {"event.outcome", "failure"},
                {"event.type", "denied"}, {"event.code", "0000000013"}, {"rule.id", 0},
                {"observer.name", "city-fgt01"}});
  expectFields(decodeLine(l[1]), "fortigate,fortigate-login",
               {{"source.ip", "203.0.113.66"}, {"user.name", "admin"}, {"event.action", "admin_login"},
                {"event.outcome", "failure"}, {"event.code", "0100032002"}});
}

TEST(ShippedDecodersTest, SuricataEveJson) {
  auto l = readLines(kData + "decoders/suricata_eve.jsonl");
  ASSERT_EQ(l.size(), 2u);
  expectFields(decodeLine(l[0]), "suricata,suricata-alert",
               {{"source.ip", "203.0.113.45"}, {"source.port", 51600}, {"destination.ip", "198.51.100.20"},
                {"destination.port", 80}, {"rule.id", 2019232}, {"event.severity", 1},
                {"rule.name", "ET EXPLOIT Possible CVE-2014-6271 Attempt in HTTP Headers"},
                {"event.action", "allowed"}, {"url.original", "/cgi-bin/test.cgi"},
                {"suricata.timestamp", "2025-04-01T00:17:30.512345Z"}});
  Event second = decodeLine(l[1]);
  expectFields(second, "suricata,suricata-alert",
               {{"event.action", "blocked"}, {"tls.client.server_name", "update-check.example.top"}});
  // 2^53 + 1 survives: an int64, never a double.
  EXPECT_EQ(second.fields["suricata.flow_id"].integer(), 9007199254740993);
}

TEST(ShippedDecodersTest, CiscoAsa) {
  auto l = readLines(kData + "decoders/cisco_asa.log");
  ASSERT_EQ(l.size(), 3u);
  expectFields(decodeLine(l[0]), "cisco-asa,cisco-asa-messages",
               {{"event.code", "106023"}, {"log.syslog.severity.code", 4}, {"event.action", "deny"},
                {"source.ip", "203.0.113.45"}, {"source.port", 51234}, {"destination.ip", "10.20.1.10"},
                {"destination.port", 445}, {"rule.name", "outside_access_in"}, {"network.transport", "tcp"}});
  expectFields(decodeLine(l[1]), "cisco-asa,cisco-asa-messages",
               {{"event.code", "605004"}, {"event.outcome", "failure"}, {"user.name", "admin"},
                {"source.ip", "203.0.113.77"}, {"source.port", 40022}, {"network.protocol", "ssh"}});
  expectFields(decodeLine(l[2]), "cisco-asa,cisco-asa-messages",
               {{"event.code", "605005"}, {"event.outcome", "success"}, {"user.name", "netadmin"}});
}

// apcupsd and NUT upsmon lines as a management host forwards them (tests/data/decoders/ups.log),
// plus the sentences the sample does not hold.
TEST(ShippedDecodersTest, UpsPowerEvents) {
  auto l = readLines(kData + "decoders/ups.log");
  ASSERT_EQ(l.size(), 7u);
  expectFields(decodeLine(l[0]), "syslog,apcupsd",
               {{"event.action", "power_failure"}, {"event.outcome", "failure"}, {"observer.type", "ups"},
                {"process.name", "apcupsd"}});
  expectFields(decodeLine(l[1]), "syslog,apcupsd", {{"event.action", "on_battery"}});
  expectFields(decodeLine(l[2]), "syslog,apcupsd", {{"event.action", "on_line_power"}, {"event.outcome", "success"}});
  expectFields(decodeLine(l[3]), "syslog,apcupsd", {{"event.action", "power_restored"}});
  expectFields(decodeLine(l[4]), "syslog,upsmon",
               {{"event.action", "on_battery"}, {"ups.name", "ups1"}, {"ups.host", "192.168.50.10"},
                {"observer.product", "nut"}});
  expectFields(decodeLine(l[5]), "syslog,upsmon", {{"event.action", "battery_low"}, {"ups.name", "ups1"}});
  expectFields(decodeLine(l[6]), "syslog,upsmon", {{"event.action", "on_line_power"}, {"event.outcome", "success"}});
  const std::string head = "<29>Apr  1 10:04:41 city-nas01 ";
  expectFields(decodeLine(head + "upsmon[1033]: UPS rack2: forced shutdown in progress"), "syslog,upsmon",
               {{"event.action", "forced_shutdown"}, {"ups.name", "rack2"}, {"ups.host", nullptr}});
  expectFields(decodeLine(head + "upsmon[1033]: Communications with UPS ups1@nas lost"), "syslog,upsmon",
               {{"event.action", "communication_lost"}, {"ups.host", "nas"}});
  expectFields(decodeLine(head + "apcupsd[812]: UPS Self Test completed: Battery OK"), "syslog,apcupsd",
               {{"event.action", "self_test"}, {"event.reason", "Battery OK"}});
  expectFields(decodeLine(head + "apcupsd[812]: Something new."), "syslog", {{"event.action", nullptr}});
}

// Every line of Loghub's OpenSSH_2k: as many "Failed password" and "Invalid user" events as its
// structured CSV (the Loghub authors' templates) says, and every sshd line decoded.
TEST(ShippedDecodersTest, OpenSsh2kCountsMatchTheStructuredCsv) {
  auto lines = readLines(kData + "loghub/OpenSSH_2k.log");
  ASSERT_EQ(lines.size(), 2000u);
  std::map<std::string, int> csv;
  std::ifstream in(kData + "loghub/OpenSSH_2k.log_structured.csv");
  std::string row;
  std::getline(in, row);  // header
  while (std::getline(in, row)) {
    if (!row.empty() && row.back() == '\r') row.pop_back();
    auto last = row.rfind(",E");  // ...,EventId,EventTemplate (templates hold no ",E<digit>")
    ASSERT_NE(last, std::string::npos) << row;
    std::string tmpl = row.substr(row.find(',', last + 1) + 1);
    if (tmpl.rfind("Failed password for", 0) == 0) ++csv["failed_password"];
    if (tmpl.rfind("Invalid user", 0) == 0) ++csv["invalid_user"];
  }
  EXPECT_EQ(csv["failed_password"], 518);
  EXPECT_EQ(csv["invalid_user"], 113);

  std::map<std::string, int> got;
  int undecoded = 0, errors = 0;
  for (const auto& line : lines) {
    Event e = decodeLine(line);
    if (e.decoder.find("sshd") == std::string::npos) {
      ++undecoded;
      ADD_FAILURE() << "not decoded: " << line;
    }
    if (e.fields.contains("hinomi.decode_errors")) ++errors;
    auto action = e.fields.value("event.action", "");
    if (action == "ssh_login" && e.fields.value("sshd.method", "") == "password" &&
        e.fields.value("event.outcome", "") == "failure" && !e.fields.contains("syslog.repeat_count"))
      ++got["failed_password"];
    if (action == "invalid_user") ++got["invalid_user"];
    if (action == "ssh_login" && e.fields.contains("source.ip")) ++got["login_with_ip"];
  }
  EXPECT_EQ(got["failed_password"], csv["failed_password"]);
  EXPECT_EQ(got["invalid_user"], csv["invalid_user"]);
  EXPECT_EQ(got["login_with_ip"], 518 + 4 + 1 + 2);  // + Failed none, Accepted, repeated
  EXPECT_EQ(undecoded, 0);
  EXPECT_EQ(errors, 0);
}

}  // namespace
}  // namespace hinomi::correlator
