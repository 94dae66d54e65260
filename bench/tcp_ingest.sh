#!/usr/bin/env bash
# TCP ingest into `hinomi run` on the embedded bus: a loopback sender pushes N LF-framed RFC 3164
# lines of ~200 B as fast as TCP takes them; reports messages/s received by the listener and
# messages/s delivered onto hinomi.events (spool → bus), and checks none is missing.
# Usage: bench/tcp_ingest.sh [N] [BUILD_DIR]     (default 1000000, build-rel)
# HINOMI_WRAP="perf record -g --" runs hinomi under a profiler.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
build=${2:-build-rel}
bin=$build/cli/hinomi
[[ -x $bin ]] || { echo "build $bin first (see BENCHMARKS.md)"; exit 1; }
dir=$(mktemp -d /tmp/hinomi-ingest-XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
cat > "$dir/hinomi.yaml" <<YAML
data_dir: $dir/data
log: {level: warn}
http: {listen: 127.0.0.1:18089}
bus: {embedded: {max_queued_records: 1000000}}
collector:
  listeners:
    - {name: bench-tcp, transport: tcp, listen: 127.0.0.1:15514, format: rfc3164, tenant: bench}
  spool: {max_bytes: 8589934592}
YAML
${HINOMI_WRAP:-} $bin run -c "$dir/hinomi.yaml" 2>"$dir/hinomi.log" & pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18089/healthz >/dev/null && break; sleep 0.1; done
metric() { curl -s http://127.0.0.1:18089/metrics | awk -v m="$1" '$1 ~ "^"m {s+=$2} END {printf "%d", s}'; }
start=$(date +%s.%N)
python3 - "$n" <<'PY'
import socket, sys
n = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", 15514))
buf = []
for i in range(n):
    buf.append(b"<38>Nov 23 12:12:%02d lg-srv%02d sshd[%d]: Failed password for invalid user admin from 203.0.113.%d port %d ssh2 padding-to-about-two-hundred-bytes-of-realistic-syslog-line-xxxxxxxx\n"
               % (i % 60, i % 50, 1000 + i % 9000, i % 251, 1024 + i % 60000))
    if len(buf) == 2000:
        s.sendall(b"".join(buf)); buf = []
if buf: s.sendall(b"".join(buf))
s.close()
PY
sent=$(date +%s.%N)
until (( $(metric hinomi_collector_received_total) >= n )); do sleep 0.05; done
received=$(date +%s.%N)
until (( $(metric 'hinomi_bus_delivered_total\{bus="embedded",topic="hinomi.events"') >= n )); do sleep 0.05; done
done_at=$(date +%s.%N)
malformed=$(metric hinomi_collector_malformed_total)
python3 -c "
n=$n; s=$start
print(f'sender finished      {n/($sent-s):>12,.0f} msgs/s')
print(f'received by listener {n/($received-s):>12,.0f} msgs/s')
print(f'delivered to bus     {n/($done_at-s):>12,.0f} msgs/s  (spool -> hinomi.events)')
print(f'malformed            {$malformed}')"
