#!/usr/bin/env bash
# Installs what the build and the tests need (Debian packages), builds everything, runs every test.
# Under CI (CI=true) warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ops/install-deps.sh --test
werror=OFF
[[ "${CI:-}" == "true" ]] && werror=ON
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHINOMI_WERROR="$werror"
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure --timeout 600 -j"$(nproc)"
