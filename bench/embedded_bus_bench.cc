// Throughput of EmbeddedBus: publish N records with delivery callbacks and flush, then consume
// them all with one consumer, committing after each batch. Run it on one core to see what the
// single-machine default gets from one:
//   taskset -c 0 embedded_bus_bench [--records N] [--size B] [--fsync never|interval|always]
//                                   [--partitions P] [--dir D]
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "bench/bench_util.h"
#include "common/bus/embedded_bus.h"
#include "common/logging.h"

namespace {

using hinomi::bus::Delivery;
using hinomi::bus::DeliveryOutcome;
using hinomi::bench::Clock;
using hinomi::bench::makeValue;
using hinomi::bench::report;



}  // namespace

int main(int argc, char** argv) {
  int64_t records = 1000000;
  int size = 300;
  int partitions = 4;
  std::string fsync = "interval";
  std::string dir;
  CLI::App app{"EmbeddedBus throughput: publish with delivery reports, then consume and commit"};
  app.add_option("--records", records, "Records to publish and consume")->capture_default_str();
  app.add_option("--size", size, "Value size in bytes")->capture_default_str();
  app.add_option("--fsync", fsync, "never | interval | always")->capture_default_str();
  app.add_option("--partitions", partitions, "Partitions of the topic")->capture_default_str();
  app.add_option("--dir", dir, "Where the log goes (default: a fresh directory under /tmp)");
  CLI11_PARSE(app, argc, argv);
  hinomi::logging::setLevel("warn");

  const std::map<std::string, hinomi::bus::FsyncPolicy> policies = {
      {"never", hinomi::bus::FsyncPolicy::kNever},
      {"interval", hinomi::bus::FsyncPolicy::kInterval},
      {"always", hinomi::bus::FsyncPolicy::kAlways}};
  if (!policies.count(fsync)) return std::fprintf(stderr, "--fsync: never|interval|always\n"), 2;

  bool own_dir = dir.empty();
  if (own_dir) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "embedded-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return std::perror("mkdtemp"), 1;
    dir = tmpl;
  }
  hinomi::bus::EmbeddedBusOptions options;
  options.path = dir + "/bus";
  options.fsync = policies.at(fsync);
  auto bus = hinomi::bus::EmbeddedBus::open(options);
  if (!bus) return std::fprintf(stderr, "%s\n", bus.error().toString().c_str()), 1;
  if (auto st = (*bus)->ensureTopic("bench", partitions); !st)
    return std::fprintf(stderr, "%s\n", st.error().toString().c_str()), 1;
  std::printf(
      "EmbeddedBus fsync=%s: %d partitions, %lld x %d B, max_queued_records=%lld, %u CPUs\n",
      fsync.c_str(), partitions, static_cast<long long>(records), size,
      static_cast<long long>(options.max_queued_records), std::thread::hardware_concurrency());

  // Distinct values are prepared up front so that the loop measures the bus, not the generator.
  std::vector<std::string> values;
  for (int64_t i = 0; i < 1024; ++i) values.push_back(makeValue(size, i));
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i)
    keys.push_back("tenant-" + std::to_string(i % 5) + "|host-" + std::to_string(i));

  std::atomic<int64_t> delivered{0}, failed{0};
  int64_t queue_full = 0;
  auto on_delivery = [&](const Delivery& d) {
    (d.outcome == DeliveryOutcome::kDelivered ? delivered : failed)
        .fetch_add(1, std::memory_order_relaxed);
  };
  auto start = Clock::now();
  for (int64_t i = 0; i < records; ++i) {
    for (;;) {
      auto st =
          (*bus)->publish("bench", keys[size_t(i % 1000)], values[size_t(i % 1024)], on_delivery);
      if (st) break;
      if (st.error().code != hinomi::ErrorCode::kUnavailable)
        return std::fprintf(stderr, "%s\n", st.error().toString().c_str()), 1;
      ++queue_full;  // back-pressure: let the writer drain the queue
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
  if (auto st = (*bus)->flush(std::chrono::minutes(10)); !st)
    return std::fprintf(stderr, "%s\n", st.error().toString().c_str()), 1;
  auto published = Clock::now() - start;
  report("publish + flush (delivered)", delivered.load(), size, published);
  if (failed.load() != 0 || delivered.load() != records)
    return std::fprintf(stderr, "delivered %lld, failed %lld\n",
                        static_cast<long long>(delivered.load()),
                        static_cast<long long>(failed.load())),
           1;
  std::printf("%-34s %lld\n", "publish refused (queue full)", static_cast<long long>(queue_full));

  auto consumer = (*bus)->subscribe("bench", "bench");
  if (!consumer) return std::fprintf(stderr, "%s\n", consumer.error().toString().c_str()), 1;
  int64_t consumed = 0;
  std::map<int32_t, int64_t> next;
  start = Clock::now();
  while (consumed < records) {
    auto batch = (*consumer)->poll(4096, std::chrono::seconds(5));
    if (!batch) return std::fprintf(stderr, "%s\n", batch.error().toString().c_str()), 1;
    if (batch->empty())
      return std::fprintf(stderr, "consumer stalled at %lld\n", static_cast<long long>(consumed)),
             1;
    consumed += int64_t(batch->size());
    next.clear();
    for (const auto& r : *batch) next[r.partition] = r.offset + 1;
    std::vector<hinomi::bus::PartitionOffset> offsets;
    for (auto [p, o] : next) offsets.push_back({p, o});
    if (auto st = (*consumer)->commit(offsets); !st)
      return std::fprintf(stderr, "%s\n", st.error().toString().c_str()), 1;
  }
  report("consume + commit per 4096", consumed, size, Clock::now() - start);

  (*consumer)->close();
  consumer->reset();
  bus->reset();
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
