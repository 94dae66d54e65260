#!/usr/bin/env bash
# Stateful detection, hinomi against SEC: >= 5 refused ssh passwords from one source within 60 s.
#   hinomi  `hinomi replay` pinned to one core with the shipped rules sshd_failed_password.yml and
#           sshd_bruteforce.yml (a Sigma event_count correlation) plus N generated detection rules
#           (bench/detect_corpus.py, as in detect_bench.sh); lines/s from its own summary.
#   SEC     Debian's `sec` with the same N rules as Single rules and the detection as one
#           SingleWithThreshold rule (window=60, thresh=5), pinned to one core.
# The log (detect_corpus.py bflog) is the mixed log with brute-force bursts woven in; every other
# failure comes from a source seen once, so SEC's window (its own clock: it reads the file in
# seconds) and hinomi's (event time) must alert the same sources. SEC is slow with many rules, so it
# reads the first S lines; hinomi replays those too and the script checks that both alerted the
# same set of source addresses.
# Usage: bench/correlate_bench.sh [LINES] [BUILD_DIR] [RULE_COUNTS...]   (default 1000000 build-rel 1000)
#   SEC_LINES_<N> overrides S (defaults: 0 → 200000, 1000 → 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
build=${2:-build-rel}
shift $(( $# > 2 ? 2 : $# ))
counts=("$@")
((${#counts[@]})) || counts=(0 1000)
bin=$build/cli/hinomi
[[ -x $bin ]] || { echo "build $bin first (see BENCHMARKS.md)"; exit 1; }
command -v sec >/dev/null || { echo "sec is not installed: bash ops/install-deps.sh --bench"; exit 1; }
dir=$(mktemp -d /tmp/hinomi-correlate-XXXXXX)
trap 'rm -rf "$dir"' EXIT
log=/tmp/hinomi-bench-bf-$n.log
[[ -s $log ]] || python3 bench/detect_corpus.py bflog "$n" "$log"
now=2026-11-23T12:00:00Z
bf=5c1e7a2b-93d4-4f60-8b1a-2e7c4d9f0a31
default_sec_lines() { case $1 in 0) echo 200000 ;; 10) echo 200000 ;; 100) echo 50000 ;; *) echo 10000 ;; esac; }
alerted() { python3 -c '
import json, sys
print("\n".join(sorted({json.loads(l)["group"]["source.ip"] for l in sys.stdin if l.strip() and json.loads(l)["rule_id"] == sys.argv[1]})))' "$bf"; }

printf '%-6s %14s %12s %14s %10s %10s %s\n' rules hinomi_lines/s bf_sources sec_lines/s sec_lines ratio same_sources
for r in "${counts[@]}"; do
  rules=$dir/rules-$r
  mkdir -p "$rules/pipelines"
  cp config/rules/pipelines/*.yaml "$rules/pipelines/"
  cp config/rules/linux/sshd_failed_password.yml config/rules/linux/sshd_bruteforce.yml "$rules/"
  conf=$dir/sec-$r.conf
  cat >"$conf" <<'SEC'
type=SingleWithThreshold
continue=TakeNext
ptype=RegExp
pattern=sshd\[\d+\]: Failed password for (?:invalid user )?\S+ from (\S+) port \d+
desc=bruteforce $1
action=write - bruteforce $1
window=60
thresh=5

SEC
  if ((r > 0)); then
    python3 bench/detect_corpus.py rules "$r" "$rules/rules"
    python3 bench/detect_corpus.py sec "$r" "$dir/sec-rules.conf"
    cat "$dir/sec-rules.conf" >>"$conf"
  fi

  taskset -c 0 "$bin" replay --rules "$rules" --now $now "$log" 2>"$dir/replay-$r.txt" | alerted >"$dir/hin-all-$r.txt"
  h_rate=$(sed -n 's/.*(\([0-9]*\) lines\/s).*/\1/p' "$dir/replay-$r.txt" | head -1)

  var=SEC_LINES_$r
  s=${!var:-$(default_sec_lines "$r")}
  ((s > n)) && s=$n
  head -n "$s" "$log" >"$dir/sub.log"
  t0=$(date +%s.%N)
  taskset -c 0 sec --conf="$conf" --input="$dir/sub.log" --notail --intevents=0 --log=/dev/null 2>/dev/null |
    sed -n 's/^bruteforce //p' | sort -u >"$dir/sec-$r.txt"
  t1=$(date +%s.%N)
  s_rate=$(python3 -c "print(round($s/($t1-$t0)))")
  "$bin" replay --rules "$rules" --now $now "$dir/sub.log" 2>/dev/null | alerted >"$dir/hin-$r.txt"
  same=no
  if cmp -s "$dir/sec-$r.txt" "$dir/hin-$r.txt"; then same="yes ($(wc -l <"$dir/sec-$r.txt") sources)"; fi
  printf '%-6s %14s %12s %14s %10s %9sx %s\n' "$r" "$h_rate" "$(wc -l <"$dir/hin-all-$r.txt")" "$s_rate" "$s" \
    "$(python3 -c "print(round($h_rate/$s_rate, 1))")" "$same"
  if [[ $same == no ]]; then
    echo "  sources differ (< only SEC, > only hinomi):"
    diff "$dir/sec-$r.txt" "$dir/hin-$r.txt" | grep '^[<>]' | head -10 | sed 's/^/  /'
  fi
done
