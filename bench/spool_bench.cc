// Throughput of the collector's disk spool: append N records (one thread, each acknowledged
// after its WAL write), then drain them all into an EmbeddedBus with a SpoolDrainer until the
// spool is empty (each record released only after the bus reported it delivered). Run it on
// one core:
//   taskset -c 0 spool_bench [--records N] [--size B] [--fsync never|interval|always]
//                            [--bus-fsync never|interval|always] [--in-flight W] [--dir D]
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "collector/spool/disk_spool.h"
#include "collector/spool/spool_drainer.h"
#include "bench/bench_util.h"
#include "common/bus/embedded_bus.h"
#include "common/logging.h"

namespace {

using hinomi::bench::Clock;
using hinomi::bench::makeValue;
using hinomi::bench::report;



}  // namespace

int main(int argc, char** argv) {
  int64_t records = 500000;
  int size = 300;
  std::string fsync = "interval";
  std::string bus_fsync = "interval";
  size_t in_flight = 4096;
  std::string dir;
  CLI::App app{"DiskSpool throughput: append, then drain into the embedded bus"};
  app.add_option("--records", records, "Records to append and drain")->capture_default_str();
  app.add_option("--size", size, "Value size in bytes")->capture_default_str();
  app.add_option("--fsync", fsync, "Spool: never | interval | always")->capture_default_str();
  app.add_option("--bus-fsync", bus_fsync, "Embedded bus: never | interval | always")
      ->capture_default_str();
  app.add_option("--in-flight", in_flight, "Drainer's max_in_flight")->capture_default_str();
  app.add_option("--dir", dir, "Where spool and bus go (default: a fresh directory under /tmp)");
  CLI11_PARSE(app, argc, argv);
  hinomi::logging::setLevel("warn");

  const std::map<std::string, hinomi::bus::FsyncPolicy> policies = {
      {"never", hinomi::bus::FsyncPolicy::kNever},
      {"interval", hinomi::bus::FsyncPolicy::kInterval},
      {"always", hinomi::bus::FsyncPolicy::kAlways}};
  if (!policies.count(fsync) || !policies.count(bus_fsync))
    return std::fprintf(stderr, "--fsync/--bus-fsync: never|interval|always\n"), 2;

  bool own_dir = dir.empty();
  if (own_dir) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "spool-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return std::perror("mkdtemp"), 1;
    dir = tmpl;
  }
  hinomi::collector::SpoolOptions so;
  so.name = "bench";
  so.path = dir + "/spool";
  so.max_bytes = int64_t(64) << 30;  // the bench measures speed, not the bound
  so.fsync = policies.at(fsync);
  auto spool = hinomi::collector::DiskSpool::open(so);
  if (!spool) return std::fprintf(stderr, "%s\n", spool.error().toString().c_str()), 1;
  hinomi::bus::EmbeddedBusOptions bo;
  bo.path = dir + "/bus";
  bo.fsync = policies.at(bus_fsync);
  auto bus = hinomi::bus::EmbeddedBus::open(bo);
  if (!bus) return std::fprintf(stderr, "%s\n", bus.error().toString().c_str()), 1;
  if (auto st = (*bus)->ensureTopic("bench", 4); !st)
    return std::fprintf(stderr, "%s\n", st.error().toString().c_str()), 1;
  std::printf("DiskSpool fsync=%s -> EmbeddedBus fsync=%s: %lld x %d B, in_flight=%zu, %u CPUs\n",
              fsync.c_str(), bus_fsync.c_str(), static_cast<long long>(records), size, in_flight,
              std::thread::hardware_concurrency());

  std::vector<std::string> values;
  for (int64_t i = 0; i < 1024; ++i) values.push_back(makeValue(size, i));
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i)
    keys.push_back("tenant-" + std::to_string(i % 5) + "|host-" + std::to_string(i));

  auto start = Clock::now();
  for (int64_t i = 0; i < records; ++i) {
    auto seq = (*spool)->append("bench", keys[size_t(i % 1000)], values[size_t(i % 1024)]);
    if (!seq) return std::fprintf(stderr, "%s\n", seq.error().toString().c_str()), 1;
  }
  report("append (acknowledged)", records, size, Clock::now() - start);
  std::printf("%-34s %.1f MB\n", "spool size", double((*spool)->bytes()) / 1e6);

  hinomi::collector::DrainerOptions dopt;
  dopt.max_in_flight = in_flight;
  start = Clock::now();
  {
    hinomi::collector::SpoolDrainer drainer(**spool, **bus, dopt);
    drainer.start();
    while ((*spool)->count() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    auto took = Clock::now() - start;
    report("drain into embedded bus (released)", records, size, took);
    std::printf("%-34s %lld\n", "rewinds", static_cast<long long>(drainer.rewinds()));
  }

  spool->reset();
  bus->reset();
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
