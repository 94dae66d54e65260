#!/usr/bin/env bash
# UDP syslog at rising rates: bench/udp_send_bench sends COUNT RFC 3164 datagrams (~200 B) at each
# rate to hinomi (embedded bus) and to Debian's rsyslog (imudp -> omfile %jsonmesg%, the
# comparable work), and reports how many each received and kept. Both get an 8 MiB receive buffer.
# Usage: bench/udp_rates.sh [COUNT] [BUILD_DIR] [RATES...]   (default 300000 build-rel,
#        rates 50000 100000 200000 400000 0; 0 = as fast as the sender can)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-300000}
build=${2:-build-rel}
shift $(( $# > 2 ? 2 : $# ))
rates=("$@")
((${#rates[@]})) || rates=(50000 100000 200000 400000 0)
bin=$build/cli/hinomi
sender=$build/bench/udp_send_bench
[[ -x $bin && -x $sender ]] || { echo "build $bin and $sender first (see BENCHMARKS.md)"; exit 1; }
dir=$(mktemp -d /tmp/hinomi-udp-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; rm -rf "$dir"' EXIT
source bench/bench_lines.sh
lines=$(bench_lines $count)

cat > "$dir/hinomi.yaml" <<YAML
data_dir: $dir/data
log: {level: warn}
http: {listen: 127.0.0.1:18091}
bus: {embedded: {max_queued_records: 1000000}}
collector:
  listeners:
    - {name: bench-udp, transport: udp, listen: 127.0.0.1:15516, format: rfc3164, tenant: bench}
YAML
$bin run -c "$dir/hinomi.yaml" 2>"$dir/hinomi.log" & pids+=($!)
for _ in $(seq 100); do curl -sf http://127.0.0.1:18091/healthz >/dev/null && break; sleep 0.1; done
metric() { curl -s http://127.0.0.1:18091/metrics | awk -v m="$1" '$1 ~ "^"m {s+=$2} END {printf "%d", s}'; }

mkdir -p "$dir/rs"
cat > "$dir/rsyslog.conf" <<CONF
global(workDirectory="$dir/rs" maxMessageSize="64k")
module(load="imudp")
template(name="out" type="string" string="%jsonmesg%\n")
input(type="imudp" address="127.0.0.1" port="15517" rcvbufSize="8m" ruleset="bench")
ruleset(name="bench") { action(type="omfile" file="$dir/out.log" template="out") }
CONF
rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rs.pid" 2>"$dir/rs.err" & pids+=($!)
sleep 1
settle() {  # waits until the value printed by "$@" stops changing
  local last=-1 now
  while :; do sleep 0.5; now=$("$@"); [[ $now == "$last" ]] && break; last=$now; done
  echo "$now"
}
rs_lines() { [[ -f $dir/out.log ]] && wc -l < "$dir/out.log" || echo 0; }

echo "UDP, $count datagrams of ~200 B per rate, $(nproc) CPUs; received = kept (on the bus / in the file)"
printf '%-10s %-14s | %-10s %-8s %-10s | %-10s %-8s\n' rate "sent/s" hinomi "%" udp_drop rsyslog "%"
for rate in "${rates[@]}"; do
  h0=$(metric 'hinomi_bus_delivered_total\{bus="embedded",topic="hinomi.events"'); d0=$(metric 'hinomi_collector_dropped_total\{listener="bench-udp",reason="udp_overflow"')
  read -r sent secs < <($sender --file "$lines" --port 15516 --rate "$rate" --count "$count")
  h1=$(settle metric 'hinomi_bus_delivered_total\{bus="embedded",topic="hinomi.events"'); d1=$(metric 'hinomi_collector_dropped_total\{listener="bench-udp",reason="udp_overflow"')
  r0=$(rs_lines)
  read -r _ _ < <($sender --file "$lines" --port 15517 --rate "$rate" --count "$count")
  r1=$(settle rs_lines)
  python3 -c "
sent=$sent; h=$h1-$h0; r=$r1-$r0
print(f'{\"max\" if $rate == 0 else $rate:<10} {sent/$secs:<14,.0f} | {h:<10} {100*h/sent:<8.1f} {$d1-$d0:<10} | {r:<10} {100*r/sent:<8.1f}')"
done
