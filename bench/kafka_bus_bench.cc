// Throughput of KafkaBus against librdkafka's in-process mock cluster: publish with delivery
// confirmed, then consume the records back through a Consumer. The mock runs in this process
// on loopback, so the figures show the client path (librdkafka + KafkaBus), not a real cluster.
//   kafka_bus_bench [--records N] [--partitions P] [--size B] [--brokers K]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <librdkafka/rdkafka.h>

#include "bench/bench_util.h"
#include "common/bus/kafka_bus.h"
#include "common/bus/kafka_mock_cluster.h"
#include "common/logging.h"

namespace {

using hinomi::bus::Delivery;
using hinomi::bus::DeliveryOutcome;
using hinomi::bench::Clock;
using hinomi::bench::report;



}  // namespace

int main(int argc, char** argv) {
  int64_t records = 200000;
  int partitions = 24;
  int size = 300;
  int brokers = 3;
  CLI::App app{"KafkaBus throughput against librdkafka's mock cluster"};
  app.add_option("--records", records, "Records to publish and consume")->capture_default_str();
  // The mock keeps ~5 MiB / 100k messages per partition and drops older ones: spread the data.
  app.add_option("--partitions", partitions, "Partitions of the topic")->capture_default_str();
  app.add_option("--size", size, "Value size in bytes")->capture_default_str();
  app.add_option("--brokers", brokers, "Mock brokers")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  hinomi::logging::setLevel("warn");

  double per_partition = static_cast<double>(records) * (size + 70) / partitions;
  if (per_partition > 4.5 * 1024 * 1024 || records / partitions > 90000)
    std::fprintf(stderr, "warning: %.1f MiB per partition; the mock may drop the oldest records\n",
                 per_partition / 1024 / 1024);

  auto cluster = hinomi::bus::KafkaMockCluster::start(brokers);
  if (!cluster) return std::fprintf(stderr, "%s\n", cluster.error().toString().c_str()), 1;
  hinomi::bus::KafkaBusOptions options;
  options.librdkafka = {{"bootstrap.servers", (*cluster)->bootstrapServers()}};
  auto bus = hinomi::bus::KafkaBus::open(options, (*cluster)->topicCreator());
  if (!bus) return std::fprintf(stderr, "%s\n", bus.error().toString().c_str()), 1;
  if (auto st = (*bus)->ensureTopic("bench", partitions); !st)
    return std::fprintf(stderr, "%s\n", st.error().toString().c_str()), 1;
  std::printf("KafkaBus on librdkafka %s mock cluster: %d brokers, %d partitions, %lld x %d B\n",
              rd_kafka_version_str(), brokers, partitions, static_cast<long long>(records), size);

  std::string value(static_cast<size_t>(size), 'x');
  std::atomic<int64_t> delivered{0}, failed{0};
  int64_t queue_full = 0;
  auto on_delivery = [&](const Delivery& d) {
    (d.outcome == DeliveryOutcome::kDelivered ? delivered : failed).fetch_add(1);
  };
  auto start = Clock::now();
  for (int64_t i = 0; i < records; ++i) {
    std::string key = "host-" + std::to_string(i % 1000);
    for (;;) {
      auto st = (*bus)->publish("bench", key, value, on_delivery);
      if (st) break;
      if (st.error().code != hinomi::ErrorCode::kUnavailable)
        return std::fprintf(stderr, "%s\n", st.error().toString().c_str()), 1;
      ++queue_full;  // librdkafka's queue is full: let deliveries drain it
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  if (auto st = (*bus)->flush(std::chrono::minutes(2)); !st)
    return std::fprintf(stderr, "%s\n", st.error().toString().c_str()), 1;
  report("produce (delivery confirmed)", records, size, Clock::now() - start);
  if (failed.load() != 0 || delivered.load() != records)
    return std::fprintf(stderr, "delivered %lld, failed %lld\n",
                        static_cast<long long>(delivered.load()),
                        static_cast<long long>(failed.load())), 1;
  std::printf("  (publish met a full queue %lld times)\n", static_cast<long long>(queue_full));

  auto consumer = (*bus)->subscribe("bench", "bench");
  if (!consumer) return std::fprintf(stderr, "%s\n", consumer.error().toString().c_str()), 1;
  int64_t consumed = 0;
  std::optional<Clock::time_point> first;  // the group join (seconds on the mock) is not counted
  auto deadline = Clock::now() + std::chrono::minutes(2);
  while (consumed < records && Clock::now() < deadline) {
    auto batch = (*consumer)->poll(10000, std::chrono::milliseconds(500));
    if (!batch) return std::fprintf(stderr, "%s\n", batch.error().toString().c_str()), 1;
    if (!batch->empty() && !first) first = Clock::now();
    consumed += static_cast<int64_t>(batch->size());
  }
  if (consumed != records)
    return std::fprintf(stderr, "consumed %lld of %lld\n", static_cast<long long>(consumed),
                        static_cast<long long>(records)), 1;
  report("consume (after group join)", records, size, Clock::now() - *first);
  (*consumer)->close();
  return 0;
}
