// Parse throughput per format on one core: each format's sample lines (written for the shared
// device corpus and Loghub OpenSSH) repeated to --lines messages in one buffer, parsed into one
// reused Event (as a listener does). Run it pinned:
//   taskset -c 0 build-parsers-rel/bench/parser_bench [--lines N] [--rounds R]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "collector/parsers/parser_factory.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Format {
  const char* parser;
  std::vector<std::string_view> samples;
};

const std::vector<Format>& formats() {
  static const std::vector<Format> kFormats = {
      {"rfc3164",
       {"Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\r",
        "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from "
        "173.234.31.186 port 38926 ssh2\r",
        "<28>Apr  1 10:02:11 city-mgmt01 apcupsd[812]: Power failure.",
        "<164>Apr 01 2025 09:15:02 city-asa01 : %ASA-4-106023: Deny tcp src "
        "outside:203.0.113.45/51234 dst inside:10.20.1.10/445 by access-group \"outside_access_in\" "
        "[0x0, 0x0]",
        "<189>16261: Apr  1 09:15:02.185 JST: %SYS-5-CONFIG_I: Configured from console by admin on "
        "vty0 (192.0.2.5)",
        "<38>Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 "
        "euid=0 tty=NODEVssh ruser= rhost=218.188.2.4"}},
      {"rfc5424",
       {"<165>1 2025-04-01T09:15:02.123+09:00 fw01.city.example.lg.jp sshd 2210 AUTHFAIL "
        "[auth@32473 user=\"admin\" src=\"203.0.113.50\"] Failed password for admin from "
        "203.0.113.50 port 40022 ssh2",
        "<38>1 2026-11-23T07:20:39+00:00 vm sshd 811 - -  Accepted publickey for taro from "
        "198.51.100.7 port 61000 ssh2",
        "<134>1 2025-04-01T21:47:03.000+09:00 acs-honcho-1f acsd - DOOR_DENY [door@32473 "
        "door=\"1F-サーバ室\" reader=\"R2\" card=\"0012345678\" user=\"-\" "
        "reason=\"card_not_registered\"] Access denied",
        "<14>1 2025-04-01T09:15:02Z h app - - - \xEF\xBB\xBF日本語のメッセージ"}},
      {"cef",
       {"<132>Apr  1 09:25:11 apexcentral01 CEF:0|Trend Micro|Apex Central|2019|AV:File "
        "quarantined|TROJ_GEN.R002C0DD125|3|deviceExternalId=5 rt=Apr 01 2025 00:25:11 GMT+00:00 "
        "cnt=1 dhost=CITY-PC0123 duser=CITY\\\\taro.yamada act=File quarantined "
        "cn1Label=VLF_PatternNumber cn1=1912300 cs1Label=VLF_FunctionCode cs1=Real-time Scan "
        "filePath=C:\\\\Users\\\\taro.yamada\\\\Downloads\\\\ fname=請求書_2025年3月.exe src=10.20.1.15",
        "<132>1 2025-04-01T00:26:40.000Z siem-gw sophos-siem - - - CEF:0|sophos|sophos "
        "central|1.0|Event::Endpoint::Threat::Detected|Mal/Generic-S|8|source_info_ip=10.20.1.15 "
        "rt=2025-04-01T00:26:40.000Z threat=Mal/Generic-S dhost=CITY-PC0123 suser=CITY\\\\taro.yamada"}},
      {"kv",
       {"<189>date=2025-04-01 time=09:15:02 devname=\"city-fgt01\" devid=\"FG100FTK00000001\" "
        "eventtime=1743466502123456789 tz=\"+0900\" logid=\"0000000013\" type=\"traffic\" "
        "subtype=\"forward\" level=\"notice\" vd=\"root\" srcip=10.20.1.15 srcport=51544 "
        "srcintf=\"internal\" dstip=203.0.113.80 dstport=443 dstintf=\"wan1\" sessionid=987654 "
        "proto=6 action=\"deny\" policyid=0 service=\"HTTPS\" duration=0 sentbyte=0 rcvdbyte=0",
        "<185>date=2025-04-01 time=09:16:40 devname=\"city-fgt01\" tz=\"+0900\" type=\"event\" "
        "subtype=\"system\" level=\"alert\" logdesc=\"Admin login failed\" user=\"admin\" "
        "srcip=203.0.113.66 dstip=198.51.100.1 action=\"login\" status=\"failed\" msg=\"Administrator "
        "admin login failed from https(203.0.113.66) because of invalid password\""}},
      {"json",
       {R"J({"timestamp":"2025-04-01T09:20:05.001002+0900","flow_id":9007199254740993,"event_type":"alert","src_ip":"10.20.1.15","src_port":53122,"dest_ip":"203.0.113.200","dest_port":443,"proto":"TCP","alert":{"action":"blocked","gid":1,"signature_id":2027865,"rev":3,"signature":"ET INFO Observed DNS Query to .top TLD (example)","category":"Potentially Bad Traffic","severity":2},"app_proto":"tls","tls":{"sni":"update-check.example.top","version":"TLS 1.3"}})J",
        R"J({"@timestamp":"2025-04-01T00:15:10.123Z","agent":{"type":"winlogbeat","version":"8.15.0"},"host":{"name":"city-dc01"},"event":{"code":"4624","kind":"event","action":"logged-in","category":["authentication"],"outcome":"success"},"winlog":{"channel":"Security","event_id":"4624","event_data":{"TargetUserName":"taro.yamada","LogonType":"3","IpAddress":"10.20.1.15"}},"source":{"ip":"10.20.1.15","port":51544},"user":{"name":"taro.yamada","domain":"CITY"}})J"}},
  };
  return kFormats;
}

void run(const Format& f, std::string_view parser_name, size_t lines, int rounds) {
  // One contiguous buffer of repeated samples, so the parser reads memory as from a socket.
  std::string buffer;
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t i = 0; i < lines; ++i) {
    std::string_view s = f.samples[i % f.samples.size()];
    spans.emplace_back(buffer.size(), s.size());
    buffer.append(s);
  }
  auto parser = hinomi::collector::makeParser(parser_name);
  hinomi::collector::ParseContext ctx;
  ctx.ingest_ts_us = 1743476400000000;
  ctx.peer = "192.0.2.1";
  hinomi::Event event;
  double best = 1e9;
  size_t malformed = 0;
  for (int r = 0; r < rounds; ++r) {
    malformed = 0;
    auto start = Clock::now();
    for (auto [off, len] : spans) {
      parser->parse(std::string_view(buffer).substr(off, len), ctx, event);
      malformed += event.malformed();
    }
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::printf("%-8s via %-7s %8zu lines  %10.0f lines/s  %7.1f MB/s  (avg %4zu B/line, %zu malformed)\n",
              f.parser, std::string(parser_name).c_str(), lines, lines / best,
              buffer.size() / best / 1e6, buffer.size() / lines, malformed);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hinomi parser throughput (one thread)"};
  size_t lines = 1000000;
  int rounds = 3;
  app.add_option("--lines", lines, "messages per format");
  app.add_option("--rounds", rounds, "timed passes per format (best is reported)");
  CLI11_PARSE(app, argc, argv);
  for (const auto& f : formats()) run(f, f.parser, lines, rounds);
  for (const auto& f : formats()) run(f, "auto", lines, 1);
  return 0;
}
