#!/usr/bin/env python3
"""Generates the detection benchmark's inputs, deterministically (fixed seed):

  detect_corpus.py log N FILE        N lines of mixed syslog: sshd, pam, sudo, su, cron, kernel
                                     firewall, FortiGate key=value, Cisco ASA, Suricata eve.json
                                     and RFC 5424 application lines, in realistic proportions
  detect_corpus.py rules N DIR       N Sigma rules in DIR (written as hinomi and SigmaHQ write
                                     them: logsource, field selections, modifiers, keywords)
  detect_corpus.py sec N FILE        the same N rules as SEC `Single` rules, one regex each
  detect_corpus.py bflog N FILE      the mixed log with brute-force bursts woven in: now and then a new
                                     source sends 5-12 refused passwords within a few seconds; the
                                     log's other failures come from sources seen once (bench/correlate_bench.sh)
  detect_corpus.py groups N FILE     N refused passwords, each from its own source (N distinct groups)

Rule i is made from template i % len(TEMPLATES) with tokens drawn for it, so the Sigma and the SEC
form look for the same thing. About one rule in a hundred (and at least one) is drawn from values
the log contains and fires; the rest are realistic near misses: same programs, same fields, other
values.
"""
import os
import random
import re
import sys

USERS = ["admin", "root", "oracle", "test", "ubuntu", "guest", "postgres", "user", "ftpuser", "pi"]
STAFF = ["tanaka", "suzuki", "sato", "takahashi", "watanabe", "ito", "yamamoto", "nakamura"]
HOSTS = ["lg-web01", "lg-db02", "lg-ap03", "myn-srv01", "inet-proxy1", "lgwan-fs01"]
COMMANDS = ["/usr/bin/systemctl restart nginx", "/usr/bin/apt-get update", "/usr/bin/journalctl -u sshd",
            "/usr/sbin/useradd -m contractor1", "/bin/cat /var/log/secure", "/usr/bin/tail -f /var/log/messages"]
CRON = ["run-parts /etc/cron.hourly", "/usr/lib/sysstat/sa1 1 1", "test -x /usr/sbin/anacron",
        "/usr/local/bin/backup.sh --daily"]
SIGNATURES = [(2013028, "ET POLICY curl User-Agent Outbound"), (2100498, "GPL ATTACK_RESPONSE id check returned root"),
              (2024897, "ET USER_AGENTS Go HTTP Client User-Agent"), (2027865, "ET INFO Observed DNS Query to .cloud TLD")]
APPS = ["nginx", "postfix/smtpd", "dovecot", "named", "chronyd", "systemd"]


def ext_ip(r):
    return "%d.%d.%d.%d" % (r.choice([203, 198, 192, 45, 185]), r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))


def int_ip(r):
    return "10.%d.%d.%d" % (r.randint(0, 3), r.randint(0, 255), r.randint(1, 254))


def ts(i):
    s = i // 40  # ~40 lines a second
    return "Nov 23 %02d:%02d:%02d" % ((s // 3600) % 24, (s // 60) % 60, s % 60)


def line(r, i):
    k = r.random()
    host = r.choice(HOSTS)
    pid = r.randint(1000, 60000)
    if k < 0.22:
        return "<38>%s %s sshd[%d]: Failed password for %s%s from %s port %d ssh2" % (
            ts(i), host, pid, r.choice(["", "invalid user "]), r.choice(USERS), ext_ip(r), r.randint(1024, 65535))
    if k < 0.27:
        return "<38>%s %s sshd[%d]: Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:%032x" % (
            ts(i), host, pid, r.choice(STAFF), int_ip(r), r.randint(1024, 65535), r.getrandbits(128))
    if k < 0.32:
        return "<38>%s %s sshd[%d]: Invalid user %s from %s port %d" % (
            ts(i), host, pid, r.choice(USERS), ext_ip(r), r.randint(1024, 65535))
    if k < 0.37:
        return "<86>%s %s sshd[%d]: pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)" % (
            ts(i), host, pid, r.choice(STAFF), r.randint(1000, 1100))
    if k < 0.42:
        return "<85>%s %s sudo: %8s : TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=%s" % (
            ts(i), host, r.choice(STAFF), r.randint(0, 4), r.choice(STAFF), r.choice(COMMANDS))
    if k < 0.44:
        return "<86>%s %s su[%d]: (to root) %s on pts/%d" % (ts(i), host, pid, r.choice(STAFF), r.randint(0, 4))
    if k < 0.50:
        return "<78>%s %s CRON[%d]: (root) CMD (%s)" % (ts(i), host, pid, r.choice(CRON))
    if k < 0.56:
        return ("<4>%s %s kernel: [%d.%06d] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 "
                "SRC=%s DST=%s LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=%d DF PROTO=TCP SPT=%d DPT=%d WINDOW=64240 RES=0x00 SYN URGP=0") % (
            ts(i), host, r.randint(1, 999999), r.randint(0, 999999), ext_ip(r), int_ip(r), r.randint(1, 65535),
            r.randint(1024, 65535), r.choice([22, 23, 445, 3389, 8080]))
    if k < 0.76:
        return ("<189>date=2026-11-23 time=%s devname=\"FGT60F-lg\" devid=\"FGT60FTK2209000\" logid=\"0000000013\" "
                "type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" srcip=%s srcport=%d srcintf=\"lan\" "
                "dstip=%s dstport=%d dstintf=\"wan1\" policyid=%d sessionid=%d proto=6 action=\"%s\" service=\"%s\" "
                "sentbyte=%d rcvdbyte=%d") % (
            ts(i)[7:], int_ip(r), r.randint(1024, 65535), ext_ip(r), r.choice([443, 80, 53, 25, 123]), r.randint(1, 40),
            r.randint(1, 1 << 30), r.choice(["accept", "accept", "accept", "deny", "close"]),
            r.choice(["HTTPS", "HTTP", "DNS", "SMTP", "NTP"]), r.randint(40, 100000), r.randint(40, 1000000))
    if k < 0.86:
        if r.random() < 0.5:
            return "<166>%s asa-lg %%ASA-6-302013: Built outbound TCP connection %d for outside:%s/%d (%s/%d) to inside:%s/%d (%s/%d)" % (
                ts(i), r.randint(1, 1 << 30), ext_ip(r), 443, ext_ip(r), 443, int_ip(r), r.randint(1024, 65535),
                ext_ip(r), r.randint(1024, 65535))
        return "<164>%s asa-lg %%ASA-4-106023: Deny tcp src outside:%s/%d dst inside:%s/%d by access-group \"outside_in\" [0x0, 0x0]" % (
            ts(i), ext_ip(r), r.randint(1024, 65535), int_ip(r), r.choice([22, 445, 3389]))
    if k < 0.91:
        sid, sig = r.choice(SIGNATURES)  # as eve.json holds them (a file tail), one object a line
        return ('{"timestamp":"2026-11-23T%s.%06d+0900","flow_id":%d,'
                '"in_iface":"eth1","event_type":"alert","src_ip":"%s","src_port":%d,"dest_ip":"%s","dest_port":%d,'
                '"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":%d,"rev":3,"signature":"%s",'
                '"category":"Potential Corporate Privacy Violation","severity":2}}') % (
            ts(i)[7:], r.randint(0, 999999), r.getrandbits(50), int_ip(r), r.randint(1024, 65535), ext_ip(r), 443, sid, sig)
    app = r.choice(APPS)
    return "<%d>1 2026-11-23T%s.%03d+09:00 %s %s %d - - %s request from %s took %d ms status=%d" % (
        r.choice([134, 166, 30]), ts(i)[7:], r.randint(0, 999), host, app.replace("/", "-"), pid,
        r.choice(["GET /index.html", "connect", "query A www.example.lg.jp", "sync", "login"]), int_ip(r),
        r.randint(1, 900), r.choice([200, 200, 304, 404, 500]))


def word(r, n=8):
    return "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


# Each template: (Sigma logsource + detection YAML, SEC regex), drawn from r. `hit` asks for values
# the generated log contains.
def t_ssh_user(r, hit):
    user = r.choice(USERS) if hit else "svc_" + word(r, 6)
    return ("logsource: {product: linux, service: sshd}\ndetection:\n  selection:\n    Outcome: failure\n"
            "    User: '%s'\n  condition: selection\n" % user,
            r"sshd\[\d+\]: (?:Failed password for (?:invalid user )?|Invalid user )%s from" % re.escape(user))


def t_ssh_keyword(r, hit):
    phrase = "Accepted publickey for %s" % (r.choice(STAFF) if hit else word(r, 7))
    return ("logsource: {product: linux, service: sshd}\ndetection:\n  keywords:\n    - '%s from *'\n"
            "  condition: keywords\n" % phrase, r"sshd\[\d+\]: %s from " % re.escape(phrase))


def t_sudo_cmd(r, hit):
    tool = r.choice(COMMANDS).split()[0] if hit else "/usr/bin/" + word(r, 6)
    return ("logsource: {product: linux, service: sudo}\ndetection:\n  selection:\n    TargetUser: root\n"
            "    CommandLine|contains: '%s'\n  condition: selection\n" % tool,
            r"sudo: .*USER=root ; COMMAND=.*%s" % re.escape(tool))


def t_sudo_endswith(r, hit):
    arg = r.choice(COMMANDS).split()[-1] if hit else "--" + word(r, 8)
    return ("logsource: {product: linux, service: sudo}\ndetection:\n  selection:\n    CommandLine|endswith: ' %s'\n"
            "  filter:\n    User: nobody\n  condition: selection and not filter\n" % arg,
            r"sudo: .*COMMAND=.* %s$" % re.escape(arg))


def t_firewall(r, hit):
    port = r.choice([443, 80, 53]) if hit else r.randint(1, 65535)
    net = "%d.%d.0.0/16" % (r.randint(1, 223), r.randint(0, 255))
    if hit:
        net = "0.0.0.0/0"
    return ("logsource: {category: firewall}\ndetection:\n  selection:\n    dst_port: %d\n    action: deny\n"
            "    dst_ip|cidr: '%s'\n  condition: selection\n" % (port, net),
            r"dstip=\d+\.\d+\.\d+\.\d+ dstport=%d .*action=\"deny\"" % port)


def t_message_re(r, hit):
    text = "status=500" if hit else "errno=%d %s" % (r.randint(100, 999), word(r, 5))
    return ("logsource: {product: linux}\ndetection:\n  selection:\n    message|re: '(?i)took \\d+ ms %s'\n"
            "  condition: selection\n" % re.escape(text).replace("'", "''"),
            r"(?i)took \d+ ms %s" % re.escape(text))


def t_cron(r, hit):
    cmd = r.choice(CRON).split()[0] if hit else "/tmp/." + word(r, 6)
    return ("logsource: {product: linux, service: cron}\ndetection:\n  keywords:\n    - '*CMD (%s*'\n"
            "  condition: keywords\n" % cmd, r"CRON\[\d+\]: .*CMD \(%s" % re.escape(cmd))


def t_suricata(r, hit):
    sid = r.choice(SIGNATURES)[0] if hit else r.randint(2000000, 2999999)
    return ("logsource: {product: suricata}\ndetection:\n  selection:\n    alert.signature_id: %d\n"
            "    event_type: alert\n  condition: selection\n" % sid,
            r"\"event_type\":\"alert\".*\"signature_id\":%d," % sid)


TEMPLATES = [t_ssh_user, t_ssh_keyword, t_sudo_cmd, t_sudo_endswith, t_firewall, t_message_re, t_cron, t_suricata]


def rules(n):
    r = random.Random(20261123)
    hits = max(1, n // 100)
    out = []
    for i in range(n):
        step = max(1, n // hits)
        hit = i % step == (i // step) % len(TEMPLATES) and i // step < hits  # spread over templates
        sigma, regex = TEMPLATES[i % len(TEMPLATES)](r, hit)
        out.append((i, sigma, regex))
    return out


def main():
    what, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if what == "log":
        r = random.Random(11)
        with open(path, "w") as f:
            for i in range(n):
                f.write(line(r, i) + "\n")
    elif what == "bflog":
        r = random.Random(13)
        bursts = []  # [source, failures left]
        with open(path, "w") as f:
            for i in range(n):
                if r.random() < 0.002:
                    bursts.append([ext_ip(r), r.randint(5, 12)])
                if bursts and r.random() < 0.1:
                    b = r.choice(bursts)
                    f.write("<38>%s %s sshd[%d]: Failed password for %s from %s port %d ssh2\n" % (
                        ts(i), r.choice(HOSTS), r.randint(1000, 60000), r.choice(USERS), b[0], r.randint(1024, 65535)))
                    b[1] -= 1
                    if b[1] == 0:
                        bursts.remove(b)
                else:
                    f.write(line(r, i) + "\n")
    elif what == "groups":
        with open(path, "w") as f:
            for i in range(n):
                f.write("<38>%s web1 sshd[811]: Failed password for root from 10.%d.%d.%d port 22 ssh2\n" % (
                    ts(i), (i >> 16) & 255, (i >> 8) & 255, i & 255))
    elif what == "rules":
        os.makedirs(path, exist_ok=True)
        for i, sigma, _ in rules(n):
            with open(os.path.join(path, "bench_%04d.yml" % i), "w") as f:
                f.write("title: Benchmark rule %d\nid: bench-%04d\nstatus: test\nlevel: low\n%s" % (i, i, sigma))
    elif what == "sec":
        with open(path, "w") as f:
            for i, _, regex in rules(n):
                f.write("type=Single\ncontinue=TakeNext\nptype=RegExp\npattern=%s\ndesc=bench-%04d\naction=write - bench-%04d\n\n"
                        % (regex, i, i))
    else:
        sys.exit("usage: detect_corpus.py log|bflog|groups|rules|sec N PATH")


if __name__ == "__main__":
    main()
