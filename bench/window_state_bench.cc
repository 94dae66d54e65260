// Correlation window state at scale: N distinct groups opened (one failed login from each of N
// sources, the brute-force correlation with a 1-day timespan so none closes), written to RocksDB
// in batches as the detector writes them, then a "restart": a fresh engine loads the store.
// Reports events/s with the state written, the restore time per million groups, the size on disk
// and peak RSS. Run from the repository root:
//   build-rel/bench/window_state_bench --groups 1000000 --dir /tmp/hinomi-window-bench
#include <CLI/CLI.hpp>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "correlator/rules/correlation_set.h"
#include "correlator/rules/sigma_reader.h"
#include "correlator/windows/correlation_engine.h"
#include "correlator/windows/window_store.h"

namespace {

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

double peakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

uint64_t dirBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Correlation window state: write and restore N open groups"};
  size_t groups = 1000000;
  size_t batch = 500;
  std::string dir = "/tmp/hinomi-window-bench";
  app.add_option("--groups", groups, "Distinct open groups");
  app.add_option("--batch", batch, "Events per state write (the detector's batch size)");
  app.add_option("--dir", dir, "RocksDB directory (emptied first)");
  CLI11_PARSE(app, argc, argv);
  std::filesystem::remove_all(dir);

  auto read = hinomi::rules::readSigmaText(R"(title: failed
id: failed
detection: {sel: {k: a}, condition: sel}
---
title: brute force
id: bf
correlation: {type: event_count, rules: [failed], group-by: [source.ip], timespan: 1d, condition: {gte: 5}}
)", "bench.yml");
  auto rules = hinomi::rules::RuleSet::build(std::move(read.rules));
  if (!rules) return 1;
  auto compiled = hinomi::rules::compileCorrelations(std::move(read.correlations), *rules, {});
  if (!compiled.set) return 1;

  const int64_t t0 = 1795435200LL * 1000000;
  std::vector<int> matched{0};
  std::vector<hinomi::correlator::Incident> out;
  double write_s = 0;
  {
    auto store = hinomi::correlator::WindowStore::open(dir);
    if (!store) {
      std::fprintf(stderr, "%s\n", store.error().toString().c_str());
      return 1;
    }
    hinomi::correlator::CorrelationEngine engine(compiled.set, {});
    auto t = Clock::now();
    for (size_t i = 0; i < groups; ++i) {
      hinomi::Event e;
      e.id = "ev-" + std::to_string(i);
      e.tenant = "t" + std::to_string(i % 5);
      e.ts_us = t0 + int64_t(i) * 1000;
      e.ingest_ts_us = e.ts_us;
      e.fields = {{"source.ip", "10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
                                    std::to_string(i & 255)}};
      engine.onEvent(e, matched, out);
      if ((i + 1) % batch == 0 || i + 1 == groups) {
        if (!(*store)->commit(engine, "hinomi.events", {{0, int64_t(i + 1)}})) return 1;
      }
    }
    write_s = seconds(t);
    std::printf("%zu groups open: %.0f events/s with the state written every %zu events; peak RSS %.0f MB\n",
                engine.stats().open_groups, double(groups) / write_s, batch, peakRssMb());
  }
  std::printf("on disk: %.0f MB\n", double(dirBytes(dir)) / 1e6);
  auto t = Clock::now();
  auto store = hinomi::correlator::WindowStore::open(dir);
  if (!store) return 1;
  hinomi::correlator::CorrelationEngine engine(compiled.set, {});
  auto offsets = (*store)->load(engine, "hinomi.events");
  if (!offsets) return 1;
  double restore_s = seconds(t);
  std::printf("restart: %zu groups restored in %.2f s (%.2f s per million), next offset %lld; peak RSS %.0f MB\n",
              engine.stats().open_groups, restore_s, restore_s * 1e6 / double(groups),
              static_cast<long long>(offsets->at(0)), peakRssMb());
  return 0;
}
