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
for t in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/${t%_fuzz}
  mkdir -p "$corpus" build-fuzz/new/"$t"
  echo "== $t for ${secs}s"
  ./build-fuzz/tests/"$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    build-fuzz/new/"$t" "$corpus" 2>&1 | tail -n 3
  # Keep only inputs that add coverage.
  ./build-fuzz/tests/"$t" -merge=1 "$corpus" build-fuzz/new/"$t" 2>&1 | tail -n 1
done
