#pragma once
// Shared by the bus and spool benchmarks: one report line per phase, and syslog-like values.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace hinomi::bench {

using Clock = std::chrono::steady_clock;

inline void report(const char* what, int64_t records, int64_t size, Clock::duration took) {
  double s = std::chrono::duration<double>(took).count();
  std::printf("%-34s %lld records in %.3f s = %.0f records/s, %.1f MB/s\n", what,
              static_cast<long long>(records), s, records / s, records * size / s / 1e6);
}

// A syslog-like value of `size` bytes, so that the figures are not flattered by a run of one byte.
inline std::string makeValue(int size, int64_t i) {
  std::string v = "<134>1 2026-11-23T03:12:12.123456Z fw-" + std::to_string(i % 97) +
                  " sshd 4242 - - Failed password for invalid user admin from 203.0.113." +
                  std::to_string(i % 251) + " port " + std::to_string(1024 + i % 60000) + " ssh2 ";
  while (v.size() < size_t(size)) v += char('a' + (v.size() * 7 + size_t(i)) % 26);
  v.resize(size_t(size));
  return v;
}

}  // namespace hinomi::bench
