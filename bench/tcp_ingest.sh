#!/usr/bin/env bash
# TCP ingest on loopback, side by side: N LF-framed RFC 3164 lines of ~200 B (generated once into a
# file, sent with sendfile(2) so the sender costs almost nothing) into
#   hinomi    `hinomi run`, embedded bus: parse, normalise to JSON, write to hinomi.events;
#   rs-json   Debian's rsyslog, imtcp -> omfile with %jsonmesg% (parsed, JSON, raw kept);
#   rs-raw    rsyslog, imtcp -> omfile with %rawmsg% (the line passed through).
# Reports msgs/s from the first byte sent to the last message written, and checks the count.
# Usage: bench/tcp_ingest.sh [N] [BUILD_DIR] [MODES...]   (default 1000000 build-rel, all modes)
# HINOMI_WRAP="perf record -g --" runs hinomi under a profiler.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
build=${2:-build-rel}
shift $(( $# > 2 ? 2 : $# ))
modes=("$@")
((${#modes[@]})) || modes=(hinomi rs-json rs-raw)
bin=$build/cli/hinomi
dir=$(mktemp -d /tmp/hinomi-ingest-XXXXXX)
pid=
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
source bench/bench_lines.sh
lines=$(bench_lines $n)
send() {  # send FILE PORT: one connection, the whole file
  python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
with open(sys.argv[1], "rb") as f: s.sendfile(f)
s.close()' "$1" "$2"
}
rate() { python3 -c "print(f'{$n/($2-$1):>12,.0f}')"; }

run_hinomi() {
  [[ -x $bin ]] || { echo "build $bin first (see BENCHMARKS.md)"; exit 1; }
  cat > "$dir/hinomi.yaml" <<YAML
data_dir: $dir/data
log: {level: warn}
http: {listen: 127.0.0.1:18089}
bus: {embedded: {max_queued_records: 1000000}}
collector:
  listeners:
    - {name: bench-tcp, transport: tcp, listen: 127.0.0.1:15514, format: rfc3164, tenant: bench}
YAML
  ${HINOMI_WRAP:-} $bin run -c "$dir/hinomi.yaml" 2>"$dir/hinomi.log" & pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:18089/healthz >/dev/null && break; sleep 0.1; done
  metric() { curl -s http://127.0.0.1:18089/metrics | awk -v m="$1" '$1 ~ "^"m {s+=$2} END {printf "%d", s}'; }
  local start; start=$(date +%s.%N)
  send "$lines" 15514
  until (( $(metric 'hinomi_bus_delivered_total\{bus="embedded",topic="hinomi.events"') >= n )); do sleep 0.02; done
  local end; end=$(date +%s.%N)
  local malformed; malformed=$(metric hinomi_collector_malformed_total)
  kill -INT $pid; wait $pid || true; pid=
  echo "hinomi   $(rate "$start" "$end") msgs/s   ($n on hinomi.events, $malformed malformed)"
}

run_rsyslog() {  # run_rsyslog MODE TEMPLATE
  mkdir -p "$dir/rs"
  rm -f "$dir/out.log"
  cat > "$dir/rsyslog.conf" <<CONF
global(workDirectory="$dir/rs" maxMessageSize="64k")
module(load="imtcp")
template(name="out" type="string" string="$2\n")
input(type="imtcp" port="15515" ruleset="bench")
ruleset(name="bench") { action(type="omfile" file="$dir/out.log" template="out") }
CONF
  rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rs.pid" 2>"$dir/rs.err" & pid=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/15515) 2>/dev/null && break; sleep 0.1; done
  local start; start=$(date +%s.%N)
  send "$lines" 15515
  # Done when the file stops growing; the end time is its last modification.
  local size=-1
  while :; do
    sleep 1
    local now; now=$(stat -c %s "$dir/out.log" 2>/dev/null || echo 0)
    (( now == size && now > 0 )) && break
    size=$now
  done
  local end; end=$(stat -c %.Y "$dir/out.log")
  kill $pid; wait $pid || true; pid=
  local got; got=$(wc -l < "$dir/out.log")
  echo "$1  $(rate "$start" "$end") msgs/s   ($got lines written)"
}

echo "TCP ingest, $n lines of ~200 B, $(nproc) CPUs"
for m in "${modes[@]}"; do
  case $m in
    hinomi) run_hinomi ;;
    rs-json) run_rsyslog rs-json '%jsonmesg%' ;;
    rs-raw) run_rsyslog "rs-raw " '%rawmsg%' ;;
    *) echo "unknown mode $m"; exit 2 ;;
  esac
done
