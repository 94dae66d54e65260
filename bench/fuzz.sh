#!/usr/bin/env bash
# Fuzzing campaign: builds every tests/fuzz/*_fuzz.cc with clang + libFuzzer + ASan/UBSan and runs
# each for SECONDS (default 300), adding what it finds to the committed corpus (tests/fuzz/corpus/).
# Usage: bench/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}; shift || true
bash ops/install-deps.sh --test
command -v clang++ >/dev/null || apt-get install -y -qq clang libclang-rt-14-dev
san="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS="$san" -DHINOMI_FUZZ=ON -DHINOMI_BUILD_BENCH=OFF >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in tests/fuzz/*_fuzz.cc; do targets+=("$(basename "$f" .cc)"); done
fi
cmake --build build-fuzz --target "${targets[@]}" -j"$(nproc)"
found=0
mkdir -p build-fuzz/crashes build-fuzz/logs
for t in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/${t%_fuzz}
  mkdir -p "$corpus" build-fuzz/new/"$t"
  echo "== $t for ${secs}s"
  # A finding must not end the campaign: it is reported (input under build-fuzz/crashes/, the full
  # report in build-fuzz/logs/) and the next target runs.
  if ! ./build-fuzz/tests/"$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix=build-fuzz/crashes/"$t"- build-fuzz/new/"$t" "$corpus" >build-fuzz/logs/"$t".log 2>&1; then
    found=1
    echo "!! $t found a failing input; report: build-fuzz/logs/$t.log"
    grep -E "ERROR|SUMMARY|runtime error|Test unit written" build-fuzz/logs/"$t".log | head -n 5
  fi
  grep -E "^Done [0-9]+ runs" build-fuzz/logs/"$t".log || true
  # Keep only inputs that add edge coverage (counters would keep thousands of near-duplicates).
  ./build-fuzz/tests/"$t" -merge=1 -use_counters=0 "$corpus" build-fuzz/new/"$t" 2>&1 | grep "MERGE-OUTER: [0-9]* new" || true
done
exit $found
