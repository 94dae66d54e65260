#!/usr/bin/env python3
"""Writes the policy pack's multi-tenant scenario: one day (Wednesday 2026-12-09, JST) of logs from
the five seed tenants of config/tenants/, with planted incidents, and the incidents they must raise.

    generate_scenario.py OUTDIR      writes OUTDIR/scenario.log and OUTDIR/expected.json

Background traffic is what each tenant's policy allows (its flows, its business hours), from senders
that keep talking all day so that no log-source-silence rule fires by accident. Each planted case
says which (tenant, rule) incidents it raises — none where that tenant's policy allows the same
traffic: the same bytes are planted under several tenants on purpose. check_scenario.py replays the
log through `hinomi replay` and compares.

The output is deterministic (no clock, no randomness), so a failure is reproducible byte for byte.
"""
import json
import os
import sys
from datetime import datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))
DAY = datetime(2026, 12, 9, tzinfo=JST)  # a Wednesday, no holiday in any tenant's calendar

# Rule ids (config/rules/): the incidents the planted cases must raise.
MYNUMBER_EGRESS = "424d5fbf-720a-43ca-bf1b-29ea594bed7f"        # use case 1
INTERNET_TO_LGWAN = "0b7d1f3e-4c2a-4e8b-9d61-5a3f8e2c1d06"      # use cases 2/3
LGWAN_INTERNET_BYPASS = "b284b17d-8287-4e18-a602-437379521f3f"  # use case 3
INTERNET_EGRESS_BYPASS = "a999aba9-b157-4481-bf44-64fe00a7320d"  # use case 5
USB_ON_MYNUMBER = "a3bd8cf2-003a-4425-b845-b49cc340b39a"        # use case 10
SSH_FAILED_PASSWORD = "0b7d1f3e-4c2a-4e8b-9d61-5a3f8e2c1d01"    # use case 17 (loud: generate)
SSH_BRUTEFORCE = "5c1e7a2b-93d4-4f60-8b1a-2e7c4d9f0a31"         # use case 17
CONTRACTOR_VPN_OFF_HOURS = "6a836330-af17-4020-869f-5ac0fb8b08c6"  # use case 20
CONFIG_CHANGE_OUTSIDE_WINDOW = "bcd3bc7c-9924-4e9c-9b27-139e0d013757"  # use case 24
LOG_SOURCE_SILENT = "d28a16d3-0517-408f-b015-9e2f706528ed"      # use case 25
UPS_ON_BATTERY_2M = "f3f4f115-d111-4f59-ac64-e4e2bcb0a3e2"      # use case 27
SERVER_ROOM_OFF_HOURS = "8bb03984-c792-43cc-b4cc-ab984a82043e"  # use case 28
DOOR_FORCED = "d846d7d1-7827-44b4-8272-99aeaf96cd2e"            # use case 28

TENANTS = ["katsuragi", "shunan", "kawasaki", "kasama", "toyama"]

# Per tenant: allowed (source, destination, port) flows the firewall logs all day long. Toyama has
# no zones: its firewall's traffic carries none and no zone rule can see it.
BACKGROUND_FLOWS = {
    "katsuragi": [("10.11.1.20", "10.254.10.5", 443),   # mynumber → mynumber_allowed (中間サーバー)
                  ("10.12.1.30", "172.21.5.3", 3389),   # lgwan → screen transfer (α)
                  ("172.21.1.10", "198.51.100.66", 8080),  # internet → security cloud proxy
                  ("10.12.6.2", "10.12.2.5", 445),      # sanitizer → lgwan file server
                  ("10.12.1.31", "10.12.2.5", 445)],    # inside lgwan
    "shunan": [("10.21.1.20", "10.254.20.5", 443),
               ("172.22.1.10", "10.22.5.3", 3389),      # internet → LGWAN screen transfer (β: normal)
               ("172.22.1.11", "198.51.100.82", 8080),
               ("10.22.6.2", "10.22.2.5", 445)],
    "kawasaki": [("10.31.1.20", "10.254.30.5", 443),
                 ("10.32.1.30", "172.23.5.3", 3389),
                 ("10.32.1.31", "203.0.113.140", 443),  # lgwan → approved cloud (α′ breakout)
                 ("172.23.1.10", "198.51.100.98", 8080)],
    "kasama": [("10.41.1.20", "172.24.2.10", 8080),     # sensitive → its update relay
               ("172.24.1.10", "203.0.113.80", 443),    # internet → external (no security cloud)
               ("10.41.1.21", "10.41.2.5", 445)],
    "toyama": [("10.51.1.20", "203.0.113.80", 443),
               ("10.51.1.21", "10.51.2.5", 445)],
}


def ts_kv(t):
    return f'date={t:%Y-%m-%d} time={t:%H:%M:%S}'


def fgt_traffic(tenant, t, src, dst, dport, action="accept", user=None):
    ev = int(t.timestamp()) * 10**9
    user_kv = f' user="{user}"' if user else ""
    return (f'<189>{ts_kv(t)} devname="{tenant}-fgt01" devid="FG100FTK{TENANTS.index(tenant):08d}" '
            f'eventtime={ev} tz="+0900" logid="0000000013" type="traffic" subtype="forward" '
            f'level="notice" vd="root" srcip={src} srcport={40000 + t.minute * 60 + t.second} '
            f'srcintf="port1" dstip={dst} dstport={dport} dstintf="port2" proto=6 action="{action}" '
            f'policyid=5 service="tcp/{dport}" sentbyte=1200 rcvdbyte=5400{user_kv}')


def fgt_config_change(tenant, t):
    ev = int(t.timestamp()) * 10**9
    return (f'<190>{ts_kv(t)} devname="{tenant}-fgt01" devid="FG100FTK{TENANTS.index(tenant):08d}" '
            f'eventtime={ev} tz="+0900" logid="0100044547" type="event" subtype="system" '
            f'level="information" vd="root" logdesc="Object attribute configured" user="admin" '
            f'ui="GUI(10.0.0.5)" action="Edit" cfgtid=1234567 cfgpath="firewall.policy" cfgobj="12" '
            f'cfgattr="action[accept->deny]" msg="Edit firewall.policy 12"')


def fgt_vpn_up(tenant, t, user, remip):
    ev = int(t.timestamp()) * 10**9
    return (f'<190>{ts_kv(t)} devname="{tenant}-fgt01" devid="FG100FTK{TENANTS.index(tenant):08d}" '
            f'eventtime={ev} tz="+0900" logid="0101039424" type="event" subtype="vpn" '
            f'level="information" vd="root" logdesc="SSL VPN tunnel up" action="tunnel-up" '
            f'tunneltype="ssl-tunnel" tunnelid=1234567 remip={remip} tunnelip=10.212.134.200 '
            f'user="{user}" group="itaku" dst_host="N/A" reason="tunnel established" '
            f'msg="SSL tunnel established"')


def rfc5424(t, host, app, msg, pri=38, procid="-", msgid="-", sd="-"):
    return f'<{pri}>1 {t.isoformat(timespec="milliseconds")} {host} {app} {procid} {msgid} {sd} {msg}'


def sshd_accepted(tenant, host, t, src):
    return rfc5424(t, f"{tenant}-{host}", "sshd", f"Accepted publickey for deploy from {src} "
                   f"port {50000 + t.minute} ssh2: ED25519 SHA256:q1w2e3r4t5y6u7i8o9p0", procid="811")


def sshd_failed(tenant, host, t, src, port):
    return rfc5424(t, f"{tenant}-{host}", "sshd", f"Failed password for root from {src} port {port} ssh2",
                   procid="912")


def apcupsd(tenant, t, text, pri=28):
    # apcupsd on the management server that the UPS's USB cable goes to
    return rfc5424(t, f"{tenant}-mgmt01", "apcupsd", text, pri=pri, procid="812")


def door(tenant, t, msgid, door_name, text, card="0012345678", user="yamada.taro"):
    sd = f'[door@32473 door="{door_name}" reader="R2" card="{card}" user="{user}"]'
    return rfc5424(t, f"{tenant}-acs01", "acsd", text, pri=134, msgid=msgid, sd=sd)


def windows_nxlog(host, t, event_id, source, channel, data, event_type="AUDIT_SUCCESS"):
    ev = {"EventTime": f"{t:%Y-%m-%d %H:%M:%S}", "Hostname": host, "EventType": event_type,
          "SeverityValue": 2, "Severity": "INFO", "EventID": event_id, "SourceName": source,
          "Channel": channel, "RecordNumber": 9000000 + t.hour * 3600 + t.minute * 60 + t.second}
    ev.update(data)
    ev.update({"EventReceivedTime": f"{t:%Y-%m-%d %H:%M:%S}", "SourceModuleName": "eventlog",
               "SourceModuleType": "im_msvistalog"})
    return json.dumps(ev, ensure_ascii=False)


def defender_heartbeat(host, t):
    return windows_nxlog(host, t, 1150, "Microsoft-Windows-Windows Defender",
                         "Microsoft-Windows-Windows Defender/Operational",
                         {"Product Name": "Microsoft Defender Antivirus",
                          "Platform version": "4.18.24090.11"}, "INFO")


def usb_connected(host, t):
    return windows_nxlog(host, t, 6416, "Microsoft-Windows-Security-Auditing", "Security", {
        "SubjectUserSid": "S-1-5-18", "SubjectUserName": host.split(".")[0] + "$",
        "SubjectDomainName": "CITY", "SubjectLogonId": "0x3e7",
        "DeviceId": "USBSTOR\\DISK&VEN_BUFFALO&PROD_USB_FLASH_DISK&REV_1.00\\0123456789ABCDEF&0",
        "DeviceDescription": "ディスク ドライブ",
        "ClassId": "{4d36e967-e325-11ce-bfc1-08002be10318}", "ClassName": "DiskDrive"})


def at(hh, mm, ss=0):
    return DAY + timedelta(hours=hh, minutes=mm, seconds=ss)


WINDOWS_HOSTS = {"katsuragi": ["MN-PC012.katsuragi.example.lg.jp", "LG-PC044.katsuragi.example.lg.jp"],
                 "kasama": ["SEC-PC003.kasama.example.lg.jp"]}


def background():
    """(time, line) pairs: every sender speaks at least every 10 minutes from 00:00 to 23:55."""
    out = []
    for slot in range(24 * 12):  # every 5 minutes
        t = DAY + timedelta(minutes=5 * slot)
        for tenant in TENANTS:
            flows = BACKGROUND_FLOWS[tenant]
            src, dst, port = flows[slot % len(flows)]
            out.append((t + timedelta(seconds=7), fgt_traffic(tenant, t + timedelta(seconds=7), src, dst, port)))
            if slot % 2 == 0:
                tt = t + timedelta(seconds=20)
                out.append((tt, sshd_accepted(tenant, "web01", tt, "10.0.0.5")))
                out.append((tt, sshd_accepted(tenant, "mgmt01", tt, "10.0.0.5")))
                # a staff door on the ground floor, in and out all day (night shift, cleaners)
                out.append((tt, door(tenant, tt, "DOOR_GRANT", "1F-通用口", "Access granted", card="0000000042",
                                     user="shokuin")))
                if tenant == "toyama" and tt < at(14, 0):
                    out.append((tt, sshd_accepted(tenant, "web02", tt, "10.0.0.5")))
                for host in WINDOWS_HOSTS.get(tenant, []):
                    out.append((tt, defender_heartbeat(host, tt)))
    return out


def planted():
    """(name, [(time, line)], [(tenant, rule_id, group or None)]) for every planted case."""
    cases = []

    def case(name, lines, expect):
        cases.append((name, lines, expect))

    # Use case 1: a My Number terminal reaches an LGWAN file server. Violation everywhere it exists.
    t = at(10, 11)
    case("katsuragi: My Number terminal → LGWAN file server (SMB, accepted)",
         [(t, fgt_traffic("katsuragi", t, "10.11.1.23", "10.12.3.4", 445))],
         [("katsuragi", MYNUMBER_EGRESS, None)])

    # β vs α: an internet-segment terminal opening the LGWAN-side screen-transfer server is β's
    # normal path (周南) and a breach into LGWAN under α (葛城).
    t = at(11, 0)
    case("shunan (β): internet terminal → LGWAN screen transfer — allowed",
         [(t, fgt_traffic("shunan", t, "172.22.1.5", "10.22.5.3", 3389))], [])
    case("katsuragi (α): internet terminal → LGWAN host on the same port — breach",
         [(t, fgt_traffic("katsuragi", t, "172.21.1.5", "10.12.5.3", 3389))],
         [("katsuragi", INTERNET_TO_LGWAN, None)])

    # Use case 5: direct egress from the internet segment, not through the security cloud.
    t = at(13, 0)
    for tenant, net, fires in (("katsuragi", "172.21.1.40", True), ("kawasaki", "172.23.1.40", True),
                               ("kasama", "172.24.1.40", False), ("toyama", "10.51.1.40", False)):
        case(f"{tenant}: internet segment → 203.0.113.5:443 directly"
             + ("" if fires else " — allowed (no security cloud / no zones)"),
             [(t, fgt_traffic(tenant, t, net, "203.0.113.5", 443))],
             [(tenant, INTERNET_EGRESS_BYPASS, None)] if fires else [])

    # α′ (川崎) lets LGWAN terminals reach its approved cloud; under α (葛城) the same is a bypass.
    t = at(14, 20)
    case("kawasaki (α′): LGWAN terminal → approved cloud — allowed",
         [(t, fgt_traffic("kawasaki", t, "10.32.1.7", "203.0.113.140", 443))], [])
    case("katsuragi (α): LGWAN terminal → the same cloud address — bypass",
         [(t, fgt_traffic("katsuragi", t, "10.12.1.7", "203.0.113.140", 443))],
         [("katsuragi", LGWAN_INTERNET_BYPASS, None)])

    # 笠間 two-tier: the sensitive segment may reach the internet segment only through its relay.
    t = at(15, 0)
    case("kasama: sensitive → internet segment directly — restricted flow broken",
         [(t, fgt_traffic("kasama", t, "10.41.1.10", "172.24.1.20", 443))],
         [("kasama", MYNUMBER_EGRESS, None)])
    case("kasama: sensitive → the update relay 172.24.2.10 — allowed",
         [(t, fgt_traffic("kasama", t, "10.41.1.11", "172.24.2.10", 8080))], [])

    # Use case 24: a firewall policy edit at 19:00 on a Wednesday: inside 葛城's window (Wed 18–21),
    # outside 笠間's (none approved) and 富山's (Fri 17:30–19:30).
    t = at(19, 0)
    for tenant, fires in (("katsuragi", False), ("kasama", True), ("toyama", True)):
        case(f"{tenant}: firewall policy edited Wed 19:00" + ("" if fires else " — in the change window"),
             [(t, fgt_config_change(tenant, t))],
             [(tenant, CONFIG_CHANGE_OUTSIDE_WINDOW, None)] if fires else [])

    # Use case 27: 周南's UPS on battery for ten minutes at night; 川崎's for 30 seconds.
    t = at(3, 10)
    case("shunan: UPS on battery 03:10–03:20",
         [(t, apcupsd("shunan", t, "Power failure.")),
          (t + timedelta(seconds=6), apcupsd("shunan", t + timedelta(seconds=6), "Running on UPS batteries.")),
          (t + timedelta(minutes=10), apcupsd("shunan", t + timedelta(minutes=10),
                                              "Mains returned. No longer on UPS batteries.", pri=29))],
         [("shunan", UPS_ON_BATTERY_2M, {"host": "shunan-mgmt01"})])
    t = at(9, 2)
    case("kawasaki: UPS blip of 30 s — no incident",
         [(t, apcupsd("kawasaki", t, "Power failure.")),
          (t + timedelta(seconds=30), apcupsd("kawasaki", t + timedelta(seconds=30),
                                              "Mains returned. No longer on UPS batteries.", pri=29))], [])

    # Use case 28: the server room at night (笠間) against the same door in office hours (葛城).
    t = at(22, 15)
    case("kasama: server room door forced at 22:15",
         [(t, door("kasama", t, "DOOR_FORCED", "1F-サーバ室", "Door forced open"))],
         [("kasama", DOOR_FORCED, None)])
    t = at(22, 31)
    case("kasama: server room entry at 22:31",
         [(t, door("kasama", t, "DOOR_GRANT", "1F-サーバ室", "Access granted"))],
         [("kasama", SERVER_ROOM_OFF_HOURS, None)])
    t = at(10, 3)
    case("katsuragi: server room entry at 10:03 (business hours) — no incident",
         [(t, door("katsuragi", t, "DOOR_GRANT", "1F-サーバ室", "Access granted"))], [])

    # Use case 10: USB storage on a My Number terminal; the same device on an LGWAN terminal is
    # outside this rule's scope.
    t = at(10, 30)
    case("katsuragi: USB mass storage on MN-PC012",
         [(t, usb_connected("MN-PC012.katsuragi.example.lg.jp", t))],
         [("katsuragi", USB_ON_MYNUMBER, None)])
    case("katsuragi: USB mass storage on LG-PC044 — not a My Number terminal",
         [(t, usb_connected("LG-PC044.katsuragi.example.lg.jp", t))], [])

    # Use case 17: six failed root passwords against 富山's web server in 50 s.
    t = at(2, 0)
    lines = [(t + timedelta(seconds=10 * i), sshd_failed("toyama", "web01", t + timedelta(seconds=10 * i),
                                                         "203.0.113.66", 41000 + i)) for i in range(6)]
    case("toyama: SSH password guessing from 203.0.113.66", lines,
         [("toyama", SSH_FAILED_PASSWORD, None)] * 6 + [("toyama", SSH_BRUTEFORCE, {"source.ip": "203.0.113.66"})])

    # Use case 20: a contractor's VPN at 20:30 (川崎) against the same login in office hours (周南).
    t = at(20, 30)
    case("kawasaki: contractor VPN at 20:30",
         [(t, fgt_vpn_up("kawasaki", t, "itaku-sato", "198.51.100.7"))],
         [("kawasaki", CONTRACTOR_VPN_OFF_HOURS, None)])
    t = at(10, 0, 30)
    case("shunan: contractor VPN at 10:00 — business hours",
         [(t, fgt_vpn_up("shunan", t, "itaku-sato", "198.51.100.7"))], [])

    # Use case 25: 富山's second web server stops logging at 14:00 (background() stops it).
    case("toyama: toyama-web02 falls silent after 13:50", [],
         [("toyama", LOG_SOURCE_SILENT, {"host": "toyama-web02"})])
    return cases


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: generate_scenario.py OUTDIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    lines = background()
    expected = []
    for name, case_lines, expect in planted():
        lines.extend(case_lines)
        for tenant, rule, group in expect:
            expected.append({"case": name, "tenant": tenant, "rule_id": rule, "group": group})
    # Stable order: by time, then by the order written (sorted() keeps it).
    lines.sort(key=lambda tl: tl[0])
    with open(os.path.join(outdir, "scenario.log"), "w", encoding="utf-8") as f:
        for _, line in lines:
            f.write(line + "\n")
    with open(os.path.join(outdir, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": [name for name, _, _ in planted()], "incidents": expected}, f,
                  ensure_ascii=False, indent=1)
    print(f"{len(lines)} lines, {len(expected)} expected incidents → {outdir}")


if __name__ == "__main__":
    main()
