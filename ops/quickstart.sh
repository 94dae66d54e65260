#!/usr/bin/env bash
# Installs what hinomi needs (Debian packages), builds it, and starts `hinomi run` on the embedded
# default configuration (embedded bus under ./data, /metrics on 127.0.0.1:8080). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ops/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHINOMI_BUILD_TESTS=OFF -DHINOMI_BUILD_BENCH=OFF
cmake --build build --target hinomi -j"$(nproc)"
exec ./build/cli/hinomi run "$@"
