#!/usr/bin/env bash
# Installs everything hinomi needs to build, test and run, from Debian bookworm's packages only.
# Usage: ops/install-deps.sh [--test|--bench]   (--test adds what the test suite and CI need;
# --bench adds that and the tools bench/ compares hinomi with)
set -euo pipefail

runtime_build=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  librdkafka-dev librocksdb-dev libre2-dev libspdlog-dev libfmt-dev
  prometheus-cpp-dev libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev libexpected-dev
  libssl-dev libcpp-httplib-dev libcli11-dev libcurl4-openssl-dev zlib1g-dev liblz4-dev
  libgoogle-perftools-dev
)
# rsyslog (+ its OpenSSL stream driver) relays to hinomi in tests/integration/rsyslog_forward_test.cc;
# openssl makes the test certificates; python3-aiosmtpd is the SMTP server the responder's e-mails go to.
test_extra=(libgtest-dev libgmock-dev googletest libbenchmark-dev curl python3 python3-aiosmtpd rsyslog rsyslog-openssl openssl)

# SEC (simple event correlator) runs the same rules as hinomi in bench/detect_bench.sh.
bench_extra=(sec perl)

pkgs=("${runtime_build[@]}")
if [[ "${1:-}" == "--test" ]]; then pkgs+=("${test_extra[@]}"); fi
if [[ "${1:-}" == "--bench" ]]; then pkgs+=("${test_extra[@]}" "${bench_extra[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
