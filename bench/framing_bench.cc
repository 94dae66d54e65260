// Framing throughput on one thread: ~1M syslog messages of ~200 B, octet-counted (rsyslog style,
// LF counted inside) and LF-terminated, fed in 64 KiB chunks as a TCP read loop would.
// Run (see BENCHMARKS.md): taskset -c 0 build-framing-rel/bench/framing_bench [messages]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

#include "collector/framing/auto_framer.h"
#include "collector/framing/lf_framer.h"
#include "collector/framing/octet_counting_framer.h"

namespace {

using hinomi::collector::AutoFramer;
using hinomi::collector::Frame;
using hinomi::collector::Framer;
using hinomi::collector::FrameSink;
using hinomi::collector::LfFramer;
using hinomi::collector::OctetCountingFramer;

std::string message(std::mt19937& rng, size_t seq) {
  std::uniform_int_distribution<int> pad(150, 250);
  std::string m = "<38>1 2026-11-23T07:22:02+00:00 host01 sshd 811 - - seq=" + std::to_string(seq) +
                  " Accepted publickey for taro from 198.51.100.7 port 61000 ssh2 ";
  m.resize(pad(rng), 'P');
  return m;
}

void bench(const char* label, Framer& framer, const std::string& wire, size_t expect) {
  constexpr size_t kChunk = 64 * 1024;
  size_t frames = 0, bytes = 0;
  FrameSink sink = [&](const Frame& f) {
    ++frames;
    bytes += f.bytes.size();
  };
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < wire.size(); i += kChunk) {
    framer.feed(std::string_view(wire).substr(i, kChunk), sink);
  }
  framer.finish(sink);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (frames != expect) {
    std::fprintf(stderr, "%s: %zu frames, expected %zu\n", label, frames, expect);
    std::exit(1);
  }
  std::printf("%-28s %9zu frames  %7.1f MB wire  %7.3f s  %6.2f M frames/s  %8.1f MB/s\n", label,
              frames, wire.size() / 1e6, secs, frames / secs / 1e6, wire.size() / secs / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  std::mt19937 rng(42);
  std::string octet_wire, lf_wire;
  octet_wire.reserve(n * 210);
  lf_wire.reserve(n * 210);
  for (size_t i = 0; i < n; ++i) {
    const std::string m = message(rng, i);
    octet_wire += std::to_string(m.size() + 1) + " " + m + "\n";
    lf_wire += m + "\n";
  }
  for (int rep = 0; rep < 3; ++rep) {
    OctetCountingFramer octet;
    bench("octet-counting", octet, octet_wire, n);
    LfFramer lf;
    bench("lf", lf, lf_wire, n);
    AutoFramer auto_octet, auto_lf;
    bench("auto (octet-counted input)", auto_octet, octet_wire, n);
    bench("auto (lf input)", auto_lf, lf_wire, n);
  }
  return 0;
}
