#!/usr/bin/env bash
# Detection throughput, hinomi against SEC, on the same generated log and the same rules.
#   hinomi  `hinomi replay` pinned to one core: parse (auto), decode, match N Sigma rules, write
#           incidents; lines/s from its own summary (rule loading not counted).
#   SEC     Debian's `sec` with the same N rules as `Single` rules (one Perl regex each,
#           continue=TakeNext so every line meets every rule, as in hinomi), pinned to one core.
# The inputs come from bench/detect_corpus.py (fixed seed): a mixed syslog / key=value / eve.json
# log and N rules of which ~1% fire. SEC is slow with many rules, so it reads the first S lines
# only; hinomi replays those same S lines too and the script checks that both raised the same
# number of alerts per rule (a benchmark of two programs doing different work would mean nothing).
# Usage: bench/detect_bench.sh [LINES] [BUILD_DIR] [RULE_COUNTS...]   (default 1000000 build-rel 10 100 1000)
#   SEC_LINES_<N> overrides S for N rules (defaults: 10 → 200000, 100 → 50000, 1000 → 10000).
# Needs: python3, sec (ops/install-deps.sh --bench), a release build (BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
build=${2:-build-rel}
shift $(( $# > 2 ? 2 : $# ))
counts=("$@")
((${#counts[@]})) || counts=(10 100 1000)
bin=$build/cli/hinomi
[[ -x $bin ]] || { echo "build $bin first (see BENCHMARKS.md)"; exit 1; }
command -v sec >/dev/null || { echo "sec is not installed: bash ops/install-deps.sh --bench"; exit 1; }
dir=$(mktemp -d /tmp/hinomi-detect-XXXXXX)
trap 'rm -rf "$dir"' EXIT
log=/tmp/hinomi-bench-mixed-$n.log
[[ -s $log ]] || python3 bench/detect_corpus.py log "$n" "$log"
now=2026-11-23T12:00:00Z
default_sec_lines() { case $1 in 10) echo 200000 ;; 100) echo 50000 ;; *) echo 10000 ;; esac; }
per_rule() { python3 -c '
import collections, json, sys
c = collections.Counter(json.loads(l)["rule_id"] for l in sys.stdin if l.strip())
for k in sorted(c): print(k, c[k])'; }

printf '%-6s %14s %10s %14s %10s %10s %s\n' rules hinomi_lines/s incidents sec_lines/s sec_lines ratio same_alerts
for r in "${counts[@]}"; do
  rules=$dir/rules-$r
  mkdir -p "$rules/pipelines"
  cp config/rules/pipelines/*.yaml "$rules/pipelines/"
  python3 bench/detect_corpus.py rules "$r" "$rules/rules"
  python3 bench/detect_corpus.py sec "$r" "$dir/sec-$r.conf"

  taskset -c 0 "$bin" replay --rules "$rules" --now $now "$log" >"$dir/inc-$r.json" 2>"$dir/replay-$r.txt"
  h_rate=$(sed -n 's/.*(\([0-9]*\) lines\/s).*/\1/p' "$dir/replay-$r.txt" | head -1)
  h_inc=$(sed -n 's/.* \([0-9]*\) incidents in.*/\1/p' "$dir/replay-$r.txt" | head -1)

  var=SEC_LINES_$r
  s=${!var:-$(default_sec_lines "$r")}
  ((s > n)) && s=$n
  head -n "$s" "$log" >"$dir/sub.log"
  t0=$(date +%s.%N)
  taskset -c 0 sec --conf="$dir/sec-$r.conf" --input="$dir/sub.log" --notail --intevents=0 --log=/dev/null \
    2>/dev/null | sort | uniq -c | awk '{print $2, $1}' >"$dir/sec-$r.counts"
  t1=$(date +%s.%N)
  s_rate=$(python3 -c "print(round($s/($t1-$t0)))")
  "$bin" replay --rules "$rules" --now $now "$dir/sub.log" 2>/dev/null | per_rule >"$dir/hin-$r.counts"
  same=no
  if cmp -s "$dir/sec-$r.counts" "$dir/hin-$r.counts"; then same="yes ($(awk '{s+=$2} END {print s}' "$dir/sec-$r.counts") alerts)"; fi
  printf '%-6s %14s %10s %14s %10s %9sx %s\n' "$r" "$h_rate" "$h_inc" "$s_rate" "$s" \
    "$(python3 -c "print(round($h_rate/$s_rate, 1))")" "$same"
  if [[ $same == no ]]; then
    echo "  per-rule alerts differ (rule sec hinomi):"
    join -a1 -a2 -e0 -o 0,1.2,2.2 "$dir/sec-$r.counts" "$dir/hin-$r.counts" | awk '$2 != $3' | head -10 | sed 's/^/  /'
  fi
done
