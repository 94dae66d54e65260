// Correlation window state at scale: N distinct groups opened (one failed login from each of N
// sources, the brute-force correlation with a 1-day timespan so none closes), written to RocksDB
// in batches as the detector writes them, with at most --memory groups held in memory (the rest
// evicted, read back when seen); then a "restart": a fresh engine opens the store, and a second
// pass sends one more event to every group (each read back from disk). Reports events/s of both
// passes, the restart time, the size on disk and peak RSS. Run from the repository root:
//   build-rel/bench/window_state_bench --groups 1000000 --memory 200000 --dir /tmp/hinomi-window-bench
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
  size_t memory = 200000;
  std::string dir = "/tmp/hinomi-window-bench";
  app.add_option("--groups", groups, "Distinct open groups");
  app.add_option("--batch", batch, "Events per state write (the detector's batch size)");
  app.add_option("--memory", memory, "Groups held in memory at most (correlator.max_groups_in_memory; 0: all)");
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
  hinomi::correlator::CorrelationOptions options;
  options.max_groups_in_memory = memory;
  // One failed login from source i at time `at`.
  auto event = [&](size_t i, int64_t at, const std::string& id) {
    hinomi::Event e;
    e.id = id;
    e.tenant = "t" + std::to_string(i % 5);
    e.ts_us = at;
    e.ingest_ts_us = at;
    e.fields = {{"source.ip", "10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
                                  std::to_string(i & 255)}};
    return e;
  };
  // Sends one event to each group, writing the state every `batch` events.
  auto pass = [&](hinomi::correlator::CorrelationEngine& engine, hinomi::correlator::WindowStore& store,
                  int64_t start, const char* tag, int64_t offset0) -> double {
    auto t = Clock::now();
    for (size_t i = 0; i < groups; ++i) {
      engine.onEvent(event(i, start + int64_t(i) * 1000, std::string(tag) + std::to_string(i)), matched, out);
      if ((i + 1) % batch == 0 || i + 1 == groups) {
        if (!store.commit(engine, "hinomi.events", {{0, offset0 + int64_t(i + 1)}})) std::exit(1);
      }
    }
    return seconds(t);
  };
  {
    auto store = hinomi::correlator::WindowStore::open(dir);
    if (!store) {
      std::fprintf(stderr, "%s\n", store.error().toString().c_str());
      return 1;
    }
    hinomi::correlator::CorrelationEngine engine(compiled.set, options);
    if (!(*store)->load(engine, "hinomi.events")) return 1;
    double write_s = pass(engine, **store, t0, "ev-", 0);
    std::printf("%zu groups opened: %.0f events/s with the state written every %zu events; %zu in memory; "
                "peak RSS %.0f MB\n",
                groups, double(groups) / write_s, batch, engine.stats().groups_in_memory, peakRssMb());
  }
  std::printf("on disk: %.0f MB\n", double(dirBytes(dir)) / 1e6);
  auto t = Clock::now();
  auto store = hinomi::correlator::WindowStore::open(dir);
  if (!store) return 1;
  hinomi::correlator::CorrelationEngine engine(compiled.set, options);
  auto offsets = (*store)->load(engine, "hinomi.events");
  if (!offsets) return 1;
  double restart_s = seconds(t);
  std::printf("restart: store opened in %.3f s (groups are read when seen), next offset %lld\n", restart_s,
              static_cast<long long>(offsets->at(0)));
  // A minute later: each group's second failure, its state read back from disk.
  double again_s = pass(engine, **store, t0 + 60'000'000, "again-", int64_t(groups));
  auto st = engine.stats();
  std::printf("second event to every group after the restart: %.0f events/s; %llu read back, %llu evicted, "
              "%zu in memory; peak RSS %.0f MB\n",
              double(groups) / again_s, static_cast<unsigned long long>(st.read_back),
              static_cast<unsigned long long>(st.evicted), st.groups_in_memory, peakRssMb());
  return 0;
}
